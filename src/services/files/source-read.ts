/**
 * Reading local files for sending: the queue of files left, shared by the
 * data streams, with small files read ahead; read buffers that are used
 * again; and the hash of a prefix, to check what a receiver holds.
 */
import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";
import type { TransferError } from "./errors.js";
import type { ManifestEntry } from "./manifest.js";
import { MAX_DATA_CHUNK } from "./protocol.js";
import { PACK_MAX } from "./send-pack.js";

/** One file to send, from `offset` (a verified prefix) on. */
export interface SendJob {
  index: number;
  entry: ManifestEntry;
  local: string | undefined;
  offset: number;
  /** The hash of the verified prefix, to continue. */
  hash?: Hash;
  /** A small file's content, read ahead. */
  content?: Promise<Buffer>;
}

/** What a data stream reports back. */
export interface SendHooks {
  progress(index: number, bytes: number): void;
  sent(index: number, sha256: Buffer): void;
  skipped(index: number, err: TransferError): void;
}

const SMALL_FILE_MAX = MAX_DATA_CHUNK;
/** Bytes of small files read ahead at most. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
const READ_AHEAD_FILES = 64;
/** Chunk buffers per large file: one being read, one or two being sent. */
const CHUNKS_PER_FILE = 3;

/** The files left to send, shared by the data streams, in order, with small files read ahead. */
export class JobQueue {
  private next = 0;
  private ahead = 0;
  private aheadBytes = 0;

  constructor(private readonly jobs: SendJob[]) {}

  get length(): number {
    return this.jobs.length;
  }

  take(): SendJob | undefined {
    const job = this.jobs[this.next];
    if (job === undefined) return undefined;
    this.next++;
    if (this.ahead < this.next) this.ahead = this.next;
    if (job.content !== undefined) this.aheadBytes -= job.entry.size ?? 0;
    this.readAhead();
    return job;
  }

  /** Starts reading the next small files that are not packed (packed ones are read when packed). */
  private readAhead(): void {
    while (this.ahead < this.jobs.length && this.ahead - this.next < READ_AHEAD_FILES) {
      const job = this.jobs[this.ahead]!;
      const size = job.entry.size;
      if (size === null || size > SMALL_FILE_MAX || job.offset !== 0 || job.local === undefined) {
        break;
      }
      if (size > PACK_MAX) {
        if (this.aheadBytes + size > READ_AHEAD_BYTES) break;
        this.aheadBytes += size;
        job.content = readWhole(job.local, size);
        job.content.catch(() => {}); // seen when the job is sent
      }
      this.ahead++;
    }
  }
}

/** Reads a small file; one byte more than expected is asked for, to notice growth. */
async function readWhole(path: string, size: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Read buffers used again once the stream has taken their bytes (its write
 * callback), so a large file does not churn a fresh megabyte per chunk.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  private waiting: ((buffer: Buffer) => void) | undefined;
  private made = 0;

  async take(): Promise<Buffer> {
    const buffer = this.free.pop();
    if (buffer !== undefined) return buffer;
    if (this.made < CHUNKS_PER_FILE) {
      this.made++;
      return Buffer.allocUnsafeSlow(MAX_DATA_CHUNK);
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The write callback that returns `chunk`'s buffer to the pool. */
  giveBack(chunk: Buffer): () => void {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, MAX_DATA_CHUNK);
    return () => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting !== undefined) waiting(buffer);
      else this.free.push(buffer);
    };
  }
}

/** The hash of the first `offset` bytes of `path`, or undefined if it has fewer. */
export async function hashPrefix(path: string, offset: number): Promise<Hash | undefined> {
  const handle = await open(path, "r");
  try {
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(Math.min(MAX_DATA_CHUNK, Math.max(1, offset)));
    let position = 0;
    while (position < offset) {
      const want = Math.min(buffer.length, offset - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) return undefined;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return hash;
  } finally {
    await handle.close();
  }
}
