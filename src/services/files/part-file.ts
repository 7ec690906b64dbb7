/**
 * The receiver's `.part` files: written beside the final name (never
 * through a symlink), hashed while written and checked against the
 * sender's SHA-256 (part-writer.ts); finalize.ts then makes them final. A
 * `.part` left by a broken transfer is read back to resume: its length and
 * the hash of what it holds go to the sender.
 */
import { createHash, type Hash } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, lstat, open } from "node:fs/promises";
import { WalkieError } from "../../errors.js";
import { TransferError } from "./errors.js";

/** O_NOFOLLOW where the platform has it: a planted symlink at a .part name is never followed. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Flags of a new .part: write, create, truncate, never through a symlink. */
export const FLAGS_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW;
/** Flags of a .part continued after a resume (read too: a direct writer reads its first block). */
export const FLAGS_CONTINUE = constants.O_RDWR | NOFOLLOW;
/** Bytes read at a time when hashing a .part. */
const READ_SIZE = 1024 * 1024;

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
    const buffer = Buffer.allocUnsafe(READ_SIZE);
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
