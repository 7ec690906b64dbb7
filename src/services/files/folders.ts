/**
 * The last step of a received transfer: symbolic links (relative targets,
 * checked by safe-path.ts), then each folder's mode and mtime, deepest
 * first, once nothing more is written inside them.
 */
import { chmod, lstat, lutimes, rm, symlink, utimes } from "node:fs/promises";
import { EntryKind, type ManifestEntry } from "./manifest.js";
import { writeError } from "./part-file.js";

export async function finishFolders(
  entries: readonly ManifestEntry[],
  finalPaths: readonly string[],
  overwrite: boolean,
): Promise<void> {
  const folders: Array<{ path: string; entry: ManifestEntry }> = [];
  for (const [index, entry] of entries.entries()) {
    const path = finalPaths[index]!;
    if (entry.kind === EntryKind.Dir) folders.push({ path, entry });
    if (entry.kind !== EntryKind.Symlink) continue;
    try {
      if (overwrite) {
        const existing = await lstat(path).catch(() => undefined);
        if (existing !== undefined && !existing.isDirectory()) await rm(path);
      }
      await symlink(entry.target!, path);
      const mtime = new Date(entry.mtimeMs);
      await lutimes(path, mtime, mtime).catch(() => {});
    } catch (err: unknown) {
      throw writeError(err, path);
    }
  }
  folders.sort((a, b) => b.path.length - a.path.length);
  for (const { path, entry } of folders) {
    try {
      // The owner keeps full access, so a later resume or a cleanup can still write there.
      await chmod(path, (entry.mode & 0o777) | 0o700);
      const mtime = new Date(entry.mtimeMs);
      await utimes(path, mtime, mtime);
    } catch (err: unknown) {
      throw writeError(err, path);
    }
  }
}
