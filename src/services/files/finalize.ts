/**
 * Making received files final: fsync, the sender's mode and mtime, the
 * atomic rename over the final name, and an fsync of the folders that
 * changed. Many files at once, so the file system commits them together.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fdatasync,
  futimesSync,
  openSync,
  renameSync,
  writevSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { FLAGS_NEW, writeError } from "./part-file.js";

/** A file ready to become final: its .part (open handle, or data still to write), mode and mtime. */
export interface FinalizeItem {
  partPath: string;
  finalPath: string;
  mode: number;
  mtimeMs: number;
  /** The open .part, as `PartWriter.complete` returns it. */
  handle?: FileHandle;
  /** A small file's whole content, written here in one go. */
  data?: Buffer[];
}

/**
 * Makes files final, together: write (small files), mode and mtime, fsync,
 * close, rename over the final name, then fsync the folders that changed.
 * Doing many at once lets the file system commit them in one go. A small
 * file's writes go to the page cache, so they are made with quick direct
 * calls; only the fsyncs, which wait for the disk, go to the thread pool.
 */
export async function finalizeFiles(items: readonly FinalizeItem[], durable = true): Promise<void> {
  const fds: number[] = [];
  try {
    const waits: Array<Promise<void>> = [];
    for (const item of items) {
      if (item.handle !== undefined) {
        waits.push(prepareOpen(item, item.handle, durable));
        continue;
      }
      const fd = writeSmall(item);
      fds.push(fd);
      if (durable) waits.push(datasync(fd, item.partPath));
    }
    await Promise.all(waits);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  for (const item of items) {
    try {
      renameSync(item.partPath, item.finalPath);
    } catch (err: unknown) {
      throw writeError(err, item.finalPath);
    }
  }
  if (durable) await syncFolders(new Set(items.map((item) => dirname(item.finalPath))));
}

/** Writes a small file's .part with its mode and mtime; returns the open descriptor. */
function writeSmall(item: FinalizeItem): number {
  let fd: number | undefined;
  try {
    fd = openSync(item.partPath, FLAGS_NEW, 0o600);
    if (item.data !== undefined && item.data.length > 0) writevSync(fd, item.data, 0);
    fchmodSync(fd, item.mode & 0o777);
    const mtime = new Date(item.mtimeMs);
    futimesSync(fd, mtime, mtime);
    return fd;
  } catch (err: unknown) {
    if (fd !== undefined) closeSync(fd);
    throw writeError(err, item.partPath);
  }
}

function datasync(fd: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (err) => (err ? reject(writeError(err, path)) : resolve()));
  });
}

async function prepareOpen(
  item: FinalizeItem,
  handle: FileHandle,
  durable: boolean,
): Promise<void> {
  try {
    if (durable) await handle.datasync();
    await handle.chmod(item.mode & 0o777);
    const mtime = new Date(item.mtimeMs);
    await handle.utimes(mtime, mtime);
  } catch (err: unknown) {
    throw writeError(err, item.partPath);
  } finally {
    await handle.close().catch(() => {});
  }
}

/** fsync of folders, so the renames survive a crash; some platforms cannot, which is fine. */
export async function syncFolders(folders: Iterable<string>): Promise<void> {
  await Promise.all(
    [...folders].map(async (folder) => {
      try {
        const handle = await open(folder, constants.O_RDONLY);
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch {
        // Windows cannot open folders; some file systems refuse fsync on them.
      }
    }),
  );
}
