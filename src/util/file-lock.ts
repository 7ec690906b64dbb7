/**
 * A lock between processes around short read-modify-write steps on one file:
 * `mkdir <path>.lock` is atomic on every file system, so whoever creates the
 * folder holds the lock and removes it when done. A lock folder older than
 * `staleMs` was left by a process that died holding it and is taken over.
 *
 * Ours rather than proper-lockfile: that package loads graceful-fs, which
 * patches every `fs` call of the process, and signal-exit, which wraps
 * `process.emit`; in a node carrying bulk data that showed as four times
 * the full garbage collections. The critical sections here last
 * milliseconds, so no lease refresh is needed.
 */
import { mkdir, rm, stat } from "node:fs/promises";

export interface FileLockOptions {
  /** A lock this old is taken over. @default 10000 */
  staleMs?: number;
  /** Give up waiting after this long (longer than staleMs). @default 20000 */
  waitMs?: number;
}

/** Raised when the lock stays taken for `waitMs`. */
export class FileLockTimeout extends Error {
  constructor(readonly lockPath: string) {
    super(`${lockPath} stays locked by another process`);
  }
}

/**
 * Runs `work` holding the lock of `path` (the folder `<path>.lock`).
 * @throws FileLockTimeout; whatever `work` throws
 */
export async function withFileLock<T>(
  path: string,
  work: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${path}.lock`;
  const { staleMs = 10_000, waitMs = 20_000 } = options;
  const giveUpAt = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(100, delay * 1.5)) {
    try {
      await mkdir(lockPath);
      break;
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (await isStale(lockPath, staleMs)) {
      await rm(lockPath, { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= giveUpAt) throw new FileLockTimeout(lockPath);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > staleMs;
  } catch {
    return false; // just released: try again
  }
}
