import { fstatSync } from "node:fs";
import { Socket } from "node:net";
import { Duplex, type Writable } from "node:stream";

/**
 * This process's stdin and stdout as one duplex, for links over `ssh host
 * walkie ... --stdio`. When stdout is a pipe or a socket it is written as a
 * non-blocking socket: Node writes to a stdout pipe synchronously on Linux,
 * which would stall the event loop (and the link's keepalive) whenever the
 * reader is slower than we are.
 */
export function stdioDuplex(): Duplex {
  return Duplex.from({ readable: process.stdin, writable: stdoutWritable() });
}

function stdoutWritable(): Writable {
  try {
    const stat = fstatSync(1);
    if (stat.isFIFO() || stat.isSocket())
      return new Socket({ fd: 1, readable: false, writable: true });
  } catch {
    // No usable fd 1 (closed): process.stdout reports the failure on write.
  }
  return process.stdout;
}
