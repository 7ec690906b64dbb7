/**
 * The unsent chunks of one stream's writable side. Payloads are taken as
 * views of the application's chunks, never copied, except for a small rest
 * that `copyRest` takes over so the writer may reuse its buffers.
 */

const EMPTY = Buffer.alloc(0);

/** A FIFO of byte chunks that hands out contiguous slices. */
export class SendQueue {
  /** Bytes not yet taken. */
  bytes = 0;

  private chunks: Buffer[] = [];
  private head = 0;
  private offset = 0;

  /** Appends `chunks` (none empty), which hold `bytes` bytes in all. */
  push(chunks: Buffer[], bytes: number): void {
    if (this.head === this.chunks.length) {
      this.chunks = chunks;
      this.head = 0;
    } else {
      for (const chunk of chunks) this.chunks.push(chunk);
    }
    this.bytes += bytes;
  }

  /** Up to `max` bytes from the front, as a view of a single chunk. */
  take(max: number): Buffer {
    if (this.bytes === 0 || max <= 0) return EMPTY;
    const chunk = this.chunks[this.head]!;
    const available = chunk.length - this.offset;
    const n = Math.min(available, max);
    const slice = n === chunk.length ? chunk : chunk.subarray(this.offset, this.offset + n);
    this.bytes -= n;
    if (n === available) {
      this.head++;
      this.offset = 0;
    } else {
      this.offset += n;
    }
    return slice;
  }

  /** Replaces what is left with one copy of it, releasing the original chunks. */
  copyRest(): void {
    if (this.bytes === 0) {
      this.chunks = [];
    } else {
      const rest = Buffer.allocUnsafe(this.bytes);
      let at = 0;
      for (let i = this.head; i < this.chunks.length; i++) {
        at += this.chunks[i]!.copy(rest, at, i === this.head ? this.offset : 0);
      }
      this.chunks = [rest];
    }
    this.head = 0;
    this.offset = 0;
  }

  /** Drops everything. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.bytes = 0;
  }
}
