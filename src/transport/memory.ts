import { Duplex } from "node:stream";

/**
 * Two connected in-memory duplex ends, like a socket pair: bytes written to
 * one are read from the other, with backpressure and half-close. For tests
 * and for linking two nodes in one process.
 */
export function createMemoryDuplexPair(): [Duplex, Duplex] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class MemoryEnd extends Duplex {
  peer!: MemoryEnd;
  /** The peer's pending write callback, released when we are read again. */
  private blockedWrite: (() => void) | undefined;

  constructor() {
    super({ allowHalfOpen: true });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error) => void): void {
    if (this.peer.destroyed) {
      callback(Object.assign(new Error("peer closed"), { code: "EPIPE" }));
      return;
    }
    if (this.peer.push(chunk)) callback();
    else this.peer.blockedWrite = callback;
  }

  override _read(): void {
    const release = this.blockedWrite;
    this.blockedWrite = undefined;
    release?.();
  }

  override _final(callback: (err?: Error) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    callback();
  }

  override _destroy(err: Error | null, callback: (err: Error | null) => void): void {
    const release = this.blockedWrite;
    this.blockedWrite = undefined;
    release?.();
    // After a clean close both ways the other end just closes; otherwise it
    // sees what a socket sees when its peer vanishes: a reset.
    if (!this.peer.destroyed) {
      const clean = this.writableFinished && this.readableEnded;
      this.peer.destroy(
        clean ? undefined : Object.assign(new Error("peer reset"), { code: "ECONNRESET" }),
      );
    }
    callback(err);
  }
}
