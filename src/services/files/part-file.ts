/**
 * The receiver's `.part` files: written beside the final name (never
 * through a symlink), hashed while written, and checked against the
 * sender's SHA-256; finalize.ts then makes them final. A `.part` left by a
 * broken transfer is read back to resume: its length and the hash of what
 * it holds go to the sender.
 */
import { createHash, type Hash, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, lstat, open, unlink } from "node:fs/promises";
import { WalkieError, WireError } from "../../errors.js";
import { TransferError } from "./errors.js";

/** O_NOFOLLOW where the platform has it: a planted symlink at a .part name is never followed. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Flags of a new .part: write, create, truncate, never through a symlink. */
export const FLAGS_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW;
const FLAGS_CONTINUE = constants.O_WRONLY | NOFOLLOW;
/** Bytes gathered before a write goes to the disk. */
const WRITE_SIZE = 1024 * 1024;
/** Writes in flight at once per file. */
const MAX_INFLIGHT = 3;

/** The .part name of a final path. */
export function partPathOf(finalPath: string): string {
  return `${finalPath}.part`;
}

/** A write or fsync failure as the error a person can act on. */
export function writeError(err: unknown, path: string): WalkieError {
  if (err instanceof WalkieError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new TransferError("ERR_DISK_FULL", `the disk is full writing ${path}`, { cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new TransferError("ERR_WRITE_FAILED", `cannot write ${path}: ${reason}`, { cause: err });
}

/**
 * What a `.part` holds: its length and a running hash of it (to go on
 * hashing), or undefined if there is none or it is longer than `maxSize`.
 */
export async function readPartPrefix(
  partPath: string,
  maxSize: number,
): Promise<{ offset: number; hash: Hash } | undefined> {
  let handle: FileHandle;
  try {
    const stats = await lstat(partPath);
    if (!stats.isFile() || stats.size > maxSize) return undefined;
    handle = await open(partPath, constants.O_RDONLY | NOFOLLOW);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(WRITE_SIZE);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      offset += bytesRead;
      if (offset > maxSize) return undefined;
    }
    return { offset, hash };
  } finally {
    await handle.close();
  }
}

/** A file being received into its .part: writes are batched, positional and overlapped. */
export class PartWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inflight = new Set<Promise<void>>();
  private failure: unknown;

  private constructor(
    private readonly handle: FileHandle,
    readonly partPath: string,
    private position: number,
    private readonly hash: Hash,
  ) {}

  /** Opens `partPath`: new (offset 0, truncated) or continued at `offset` with `hash` of the prefix. */
  static async open(partPath: string, offset: number, hash?: Hash): Promise<PartWriter> {
    try {
      const handle = await open(partPath, offset === 0 ? FLAGS_NEW : FLAGS_CONTINUE, 0o600);
      if (offset > 0) await handle.truncate(offset);
      return new PartWriter(handle, partPath, offset, offset === 0 ? createHash("sha256") : hash!);
    } catch (err: unknown) {
      throw writeError(err, partPath);
    }
  }

  /** Bytes written or queued so far, the resumed prefix included. */
  get size(): number {
    return this.position + this.pendingBytes;
  }

  /**
   * Hashes and queues `chunk` (kept, not copied: the caller must not reuse
   * it). Returns a promise to await when too many writes are in flight.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    this.hash.update(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_SIZE) this.flush();
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.inflight.size >= MAX_INFLIGHT) return Promise.race(this.inflight);
    return undefined;
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
    return { handle: this.handle, sha256 };
  }

  /** Stops: writes what was received (if `keep`, so a resume can continue) and closes, or removes the .part. */
  async abandon(keep: boolean): Promise<void> {
    try {
      if (keep) await this.drain();
      else await Promise.allSettled(this.inflight);
    } catch {
      // Kept as far as it got; the resume check reads what is really there.
    }
    await this.handle.close().catch(() => {});
    if (!keep) await unlink(this.partPath).catch(() => {});
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const buffers = this.pending;
    const position = this.position;
    this.position += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const write = this.handle
      .writev(buffers, position)
      .then(() => undefined)
      .catch((err: unknown) => {
        this.failure ??= writeError(err, this.partPath);
      })
      .finally(() => this.inflight.delete(write));
    this.inflight.add(write);
  }

  private async drain(): Promise<void> {
    this.flush();
    await Promise.all(this.inflight);
    if (this.failure !== undefined) throw this.failure;
  }
}
