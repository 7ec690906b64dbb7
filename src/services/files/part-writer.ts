/**
 * A file being received into its `.part`: every byte hashed as it comes,
 * copied into 2 MiB slabs and written a slab at a time, positional, a few
 * writes in flight while the next slab fills. Where the platform has
 * O_DIRECT the writes skip the page cache: the bytes go to the disk from
 * the slab and are never copied into kernel memory, which on a VM costs
 * more than hashing them (a fresh page cache page is a host page fault).
 * The last block is written padded and the file cut back to its length.
 */
import assert from "node:assert/strict";
import { createHash, type Hash, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { WireError } from "../../errors.js";
import { FLAGS_CONTINUE, FLAGS_NEW, writeError } from "./part-file.js";
import { BLOCK, writeSlabs } from "./write-slabs.js";

/** O_DIRECT where the platform has it (Linux); elsewhere writes go through the page cache. */
const O_DIRECT = (constants as { O_DIRECT?: number }).O_DIRECT ?? 0;
/** Slab writes in flight at once per file; one more slab fills meanwhile. */
const MAX_INFLIGHT = 3;
/** A slab that got no byte for this long is written out (whole blocks). */
const IDLE_FLUSH_MS = 250;

interface Waiter {
  /** Wakes when no more than this many writes are in flight. */
  max: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PartWriter {
  private readonly spare: Buffer[] = [];
  private slab: Buffer;
  private fill = 0;
  private inflight = 0;
  private waiters: Waiter[] = [];
  private failure: unknown;
  /** A last block was written padded: the file must be cut back to its length. */
  private padded = false;
  private released = false;

  /** Bytes written since the idle check last looked. */
  private moved = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  private constructor(
    private handle: FileHandle,
    readonly partPath: string,
    /** File offset of the slab being filled. */
    private position: number,
    private readonly hash: Hash,
    /** Writes bypass the page cache (aligned, padded at the end). */
    private direct: boolean,
  ) {
    for (let i = 0; i <= MAX_INFLIGHT; i++) this.spare.push(writeSlabs.take());
    this.slab = this.spare.pop()!;
  }

  /** Opens `partPath`: new (offset 0, truncated) or continued at `offset` with `hash` of the prefix. */
  static async open(partPath: string, offset: number, hash?: Hash): Promise<PartWriter> {
    const flags = offset === 0 ? FLAGS_NEW : FLAGS_CONTINUE;
    let handle: FileHandle | undefined;
    let writer: PartWriter | undefined;
    try {
      if (O_DIRECT !== 0 && writeSlabs.aligned) {
        handle = await open(partPath, flags | O_DIRECT, 0o600).catch(unlessInvalid);
      }
      const direct = handle !== undefined;
      handle ??= await open(partPath, flags, 0o600);
      if (offset > 0) await handle.truncate(offset);
      writer = new PartWriter(handle, partPath, offset, hash ?? createHash("sha256"), direct);
      if (direct && !(await writer.startDirect(offset))) {
        await handle.close();
        handle = undefined;
        writer.handle = await open(partPath, FLAGS_CONTINUE, 0o600);
        writer.direct = false;
      }
      writer.idleTimer = setInterval(() => writer!.flushIfIdle(), IDLE_FLUSH_MS).unref();
      return writer;
    } catch (err: unknown) {
      writer?.release();
      await handle?.close().catch(() => {});
      throw writeError(err, partPath);
    }
  }

  /**
   * Hashes and copies `chunk` (the caller may reuse it). Returns a promise
   * to await before the next write when enough writes are in flight.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.hash.update(chunk);
    this.moved += chunk.length;
    for (let at = 0; at < chunk.length; ) {
      const copied = chunk.copy(this.slab, this.fill, at);
      this.fill += copied;
      at += copied;
      if (this.fill === this.slab.length) this.flush();
    }
    return this.inflight >= MAX_INFLIGHT ? this.until(MAX_INFLIGHT - 1) : undefined;
  }

  /**
   * Writes what is left, checks the hash against `expected` and makes the
   * data durable. A mismatch removes the .part (its content is wrong) and
   * throws WireError ERR_HASH_MISMATCH. Returns the handle, still open, for
   * `finalizeFiles`.
   */
  async complete(expected: Buffer): Promise<{ handle: FileHandle; sha256: Buffer }> {
    await this.drain();
    const sha256 = this.hash.digest();
    if (!timingSafeEqual(sha256, expected)) {
      await this.abandon(false);
      throw new WireError(
        "ERR_HASH_MISMATCH",
        `${this.partPath}: SHA-256 does not match the sender's (the data is not what was announced)`,
      );
    }
    this.release();
    return { handle: this.handle, sha256 };
  }

  /** Stops: writes what was received (if `keep`, so a resume can continue) and closes, or removes the .part. */
  async abandon(keep: boolean): Promise<void> {
    try {
      if (keep) await this.drain();
    } catch {
      // Kept as far as it got; the resume check reads what is really there.
    }
    await this.until(0).catch(() => {}); // no write may land after the unlink
    this.release();
    await this.handle.close().catch(() => {});
    if (!keep) await unlink(this.partPath).catch(() => {});
  }

  /**
   * Writes the slab being filled (padded to a block when direct) and moves
   * to a spare one. With `wholeBlocks`, a direct writer writes only whole
   * blocks and carries the rest over to the next slab, so the writes stay
   * aligned and nothing is padded.
   */
  private flush(wholeBlocks = false): void {
    const tail = wholeBlocks && this.direct ? this.fill % BLOCK : 0;
    const length = this.fill - tail;
    if (length === 0) return;
    const slab = this.slab;
    let span = length;
    if (this.direct && length % BLOCK !== 0) {
      span = length + BLOCK - (length % BLOCK);
      slab.fill(0, length, span);
      this.padded = true;
    }
    const position = this.position;
    this.position += length;
    const next = this.spare.pop();
    assert(next !== undefined, "PartWriter: no spare slab (a write was not awaited)");
    slab.copy(next, 0, length, this.fill);
    this.fill = tail;
    this.slab = next;
    this.inflight++;
    this.writeOut(slab, span, position).then(
      () => this.written(slab),
      (err: unknown) => {
        this.failure ??= writeError(err, this.partPath);
        this.written(slab);
      },
    );
  }

  /** Writes `slab[0, span)` at `position`, all of it (a write may take only part). */
  private async writeOut(slab: Buffer, span: number, position: number): Promise<void> {
    for (let done = 0; done < span; ) {
      const { bytesWritten } = await this.handle.write(slab, done, span - done, position + done);
      if (bytesWritten === 0) throw Object.assign(new Error("no space left"), { code: "ENOSPC" });
      done += bytesWritten;
    }
  }

  /**
   * When no byte came since the last look, writes out what the slab holds
   * (whole blocks): a transfer that pauses, or a live stream that trickles,
   * still reaches the disk.
   */
  private flushIfIdle(): void {
    const idle = this.moved === 0;
    this.moved = 0;
    if (idle && this.fill >= BLOCK && this.spare.length > 0 && this.failure === undefined) {
      this.flush(true);
    }
  }

  /**
   * A direct writer starts at the block that holds `offset`: its bytes
   * already in the .part are read into the slab, written back (which checks
   * that a direct write works here) and the file cut back to `offset`.
   * False where the file system refuses direct I/O (EINVAL).
   */
  private async startDirect(offset: number): Promise<boolean> {
    const head = offset % BLOCK;
    const start = offset - head;
    try {
      if (head > 0) {
        const { bytesRead } = await this.handle.read(this.slab, 0, BLOCK, start);
        if (bytesRead !== head) throw new Error("the .part changed while being continued");
      }
      this.slab.fill(0, head, BLOCK);
      await this.handle.write(this.slab, 0, BLOCK, start);
      await this.handle.truncate(offset);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "EINVAL") return false;
      throw err;
    }
    this.position = start;
    this.fill = head;
    return true;
  }

  private written(slab: Buffer): void {
    this.inflight--;
    this.spare.push(slab);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (this.inflight > waiter.max) this.waiters.push(waiter);
      else if (this.failure !== undefined) waiter.reject(this.failure);
      else waiter.resolve();
    }
  }

  /** Resolves once at most `max` writes are in flight; rejects on a write failure. */
  private until(max: number): Promise<void> {
    if (this.inflight <= max) {
      return this.failure === undefined ? Promise.resolve() : Promise.reject(this.failure);
    }
    return new Promise((resolve, reject) => this.waiters.push({ max, resolve, reject }));
  }

  /** Writes the partial slab, waits for every write and cuts off the padding. */
  private async drain(): Promise<void> {
    this.flush();
    await this.until(0);
    if (this.padded) {
      this.padded = false;
      try {
        await this.handle.truncate(this.position);
      } catch (err: unknown) {
        throw writeError(err, this.partPath);
      }
    }
  }

  /** Gives the slabs back to the pool, once: none may be in flight. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.idleTimer);
    writeSlabs.give(this.slab);
    for (const slab of this.spare.splice(0)) writeSlabs.give(slab);
  }
}

/** Rethrows anything but EINVAL: a file system without direct I/O (tmpfs, some FUSE) refuses it so. */
function unlessInvalid(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === "EINVAL") return undefined;
  throw err;
}
