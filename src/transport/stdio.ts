import { Duplex } from "node:stream";

/** This process's stdin and stdout as one duplex, for links over `ssh host walkie ... --stdio`. */
export function stdioDuplex(): Duplex {
  return Duplex.from({ readable: process.stdin, writable: process.stdout });
}
