/**
 * The sender's data path: files read in 1 MiB chunks (the next read runs
 * while the current chunk is sent), hashed while read, framed as FILE,
 * DATA..., END on a data stream, with the stream's backpressure. Small
 * files are read ahead several at a time, so thousands of them flow
 * back to back. A file that shrank or cannot be read is SKIPped, not fatal.
 */
import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { TransferError } from "./errors.js";
import type { ManifestEntry } from "./manifest.js";
import { encodeCodeMessage, encodeFileStart } from "./messages.js";
import { encodeRecord, MAX_DATA_CHUNK, RecordType, recordHeader } from "./protocol.js";
import { drained } from "./record-io.js";

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

  private readAhead(): void {
    while (this.ahead < this.jobs.length && this.ahead - this.next < READ_AHEAD_FILES) {
      const job = this.jobs[this.ahead]!;
      const size = job.entry.size;
      if (size === null || size > SMALL_FILE_MAX || job.offset !== 0 || job.local === undefined)
        break;
      if (this.aheadBytes + size > READ_AHEAD_BYTES) break;
      this.aheadBytes += size;
      job.content = readWhole(job.local, size);
      job.content.catch(() => {}); // seen when the job is sent
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

function changed(entry: ManifestEntry, why: string): TransferError {
  return new TransferError("ERR_SOURCE_CHANGED", `${entry.path} ${why} while being sent`);
}

/** Sends jobs from `queue` on `stream` until none is left, then ends the stream. */
export async function sendJobs(
  stream: Writable,
  queue: JobQueue,
  hooks: SendHooks,
  input?: Readable,
): Promise<void> {
  for (let job = queue.take(); job !== undefined; job = queue.take()) {
    const hash = job.hash ?? createHash("sha256");
    stream.write(
      encodeRecord(RecordType.File, encodeFileStart({ index: job.index, offset: job.offset })),
    );
    try {
      if (input !== undefined) await sendStream(stream, job, hash, input, hooks);
      else if (job.content !== undefined) await sendSmall(stream, job, hash, hooks);
      else await sendLarge(stream, job, hash, hooks);
    } catch (err: unknown) {
      if (!(err instanceof TransferError)) throw err;
      const body = encodeCodeMessage({ code: err.code, message: err.message, index: job.index });
      stream.write(encodeRecord(RecordType.Skip, body));
      hooks.skipped(job.index, err);
      continue;
    }
    const sha256 = hash.digest();
    hooks.sent(job.index, sha256); // before END goes: its ACK may come back at once
    if (!stream.write(encodeRecord(RecordType.End, sha256))) await drained(stream);
  }
  stream.end();
}

async function sendSmall(
  stream: Writable,
  job: SendJob,
  hash: Hash,
  hooks: SendHooks,
): Promise<void> {
  let data: Buffer;
  try {
    data = await job.content!;
  } catch (err: unknown) {
    throw unreadable(job, err);
  }
  if (data.length !== job.entry.size)
    throw changed(job.entry, data.length < job.entry.size! ? "shrank" : "grew");
  hash.update(data);
  if (data.length === 0) return;
  stream.write(Buffer.concat([recordHeader(RecordType.Data, data.length), data]));
  hooks.progress(job.index, data.length);
  if (stream.writableNeedDrain) await drained(stream);
}

async function sendLarge(
  stream: Writable,
  job: SendJob,
  hash: Hash,
  hooks: SendHooks,
): Promise<void> {
  const size = job.entry.size!;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(job.local!, "r");
  } catch (err: unknown) {
    throw unreadable(job, err);
  }
  try {
    let position = job.offset;
    const read = (at: number): Promise<Buffer> => {
      const length = Math.min(MAX_DATA_CHUNK, size - at);
      const buffer = Buffer.allocUnsafe(length);
      return handle
        .read(buffer, 0, length, at)
        .then(({ bytesRead }) => buffer.subarray(0, bytesRead));
    };
    let pending = position < size ? read(position) : undefined;
    while (pending !== undefined) {
      let chunk: Buffer;
      try {
        chunk = await pending;
      } catch (err: unknown) {
        throw unreadable(job, err);
      }
      if (chunk.length === 0) throw changed(job.entry, "shrank");
      position += chunk.length;
      pending = position < size ? read(position) : undefined;
      pending?.catch(() => {});
      hash.update(chunk);
      stream.cork();
      stream.write(recordHeader(RecordType.Data, chunk.length));
      stream.write(chunk);
      stream.uncork();
      hooks.progress(job.index, chunk.length);
      if (stream.writableNeedDrain) await drained(stream);
    }
  } finally {
    await handle.close();
  }
}

async function sendStream(
  stream: Writable,
  job: SendJob,
  hash: Hash,
  input: Readable,
  hooks: SendHooks,
): Promise<void> {
  for await (const piece of input) {
    const data = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
    for (let at = 0; at < data.length; at += MAX_DATA_CHUNK) {
      const chunk = data.subarray(at, at + MAX_DATA_CHUNK);
      hash.update(chunk);
      stream.cork();
      stream.write(recordHeader(RecordType.Data, chunk.length));
      stream.write(chunk);
      stream.uncork();
      hooks.progress(job.index, chunk.length);
      if (stream.writableNeedDrain) await drained(stream);
    }
  }
}

function unreadable(job: SendJob, err: unknown): TransferError {
  const reason = err instanceof Error ? err.message : String(err);
  return new TransferError("ERR_SOURCE_UNREADABLE", `cannot read ${job.entry.path}: ${reason}`, {
    cause: err,
  });
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
