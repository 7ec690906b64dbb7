/**
 * The sender's data path: files read in 1 MiB chunks (the next read runs
 * while the current chunk is sent), hashed while read, framed as FILE,
 * DATA..., END on a data stream, with the stream's backpressure. Small
 * files are packed many to a write (send-pack.ts), so thousands of them
 * flow back to back. A file that shrank or cannot be read is SKIPped, not
 * fatal.
 */
import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { TransferError } from "./errors.js";
import type { ManifestEntry } from "./manifest.js";
import { encodeCodeMessage, encodeFileStart } from "./messages.js";
import { encodeRecord, MAX_DATA_CHUNK, RecordType, recordHeader } from "./protocol.js";
import { drained } from "./record-io.js";
import { packable, SmallFilePacker } from "./send-pack.js";
import { ChunkPool, type JobQueue, type SendHooks, type SendJob } from "./source-read.js";

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
  const packer = new SmallFilePacker(stream, hooks);
  for (let job = queue.take(); job !== undefined; job = queue.take()) {
    if (input === undefined && packable(job)) {
      await packer.add(job);
      continue;
    }
    await packer.flush();
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
  await packer.flush();
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
    const pool = new ChunkPool();
    const read = async (at: number): Promise<Buffer> => {
      const buffer = await pool.take();
      const length = Math.min(MAX_DATA_CHUNK, size - at);
      const { bytesRead } = await handle.read(buffer, 0, length, at);
      return buffer.subarray(0, bytesRead);
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
      stream.write(chunk, pool.giveBack(chunk));
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
