/**
 * stdin/stdout for bulk data. Node makes writes to a stdout pipe blocking on
 * Linux, so a slow reader (or the 64 KiB pipe buffer) would stall the whole
 * event loop, crypto included. For pipes and sockets we open fd 1 as a
 * non-blocking socket instead, and for files an fs stream; a TTY stays as is.
 */
import { createWriteStream, fstatSync } from "node:fs";
import { Socket } from "node:net";
import type { Readable, Writable } from "node:stream";

export function dataOutput(): Writable {
  const stat = fstatSync(1);
  if (stat.isFIFO() || stat.isSocket())
    return new Socket({ fd: 1, readable: false, writable: true });
  if (stat.isFile()) return createWriteStream("", { fd: 1, highWaterMark: 1024 * 1024 });
  return process.stdout;
}

export function dataInput(): Readable {
  return process.stdin;
}
