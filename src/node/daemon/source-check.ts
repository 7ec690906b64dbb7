/**
 * What the files of a send were when it was queued, and whether they are
 * still that when it goes: a send that waited (for an offline peer, or over
 * a restart) offers what was chosen then, or fails clearly, and never sends
 * something else in silence.
 */
import { EntryKind, type ManifestEntry, TransferError } from "../../services/files/index.js";

/** One entry as it was: `[path, kind, size, mtimeMs]` (compact, for the queue file). */
export type SourceEntry = [path: string, kind: number, size: number | null, mtimeMs: number];

export function sourceEntries(entries: readonly ManifestEntry[]): SourceEntry[] {
  return entries.map((entry) => [entry.path, entry.kind, entry.size, entry.mtimeMs]);
}

/** Top-level names, files and bytes of what is offered. */
export function sourceSummary(entries: readonly ManifestEntry[]): {
  names: string[];
  files: number;
  totalBytes: number;
} {
  const files = entries.filter((entry) => entry.kind === EntryKind.File);
  return {
    names: [...new Set(entries.map((entry) => entry.path.split("/")[0]!))],
    files: files.length,
    totalBytes: files.reduce((sum, entry) => sum + (entry.size ?? 0), 0),
  };
}

export function isSourceEntry(value: unknown): value is SourceEntry {
  if (!Array.isArray(value) || value.length !== 4) return false;
  const [path, kind, size, mtimeMs] = value as unknown[];
  return (
    typeof path === "string" &&
    (kind === EntryKind.File || kind === EntryKind.Dir || kind === EntryKind.Symlink) &&
    (size === null || (Number.isSafeInteger(size) && (size as number) >= 0)) &&
    typeof mtimeMs === "number" &&
    Number.isFinite(mtimeMs)
  );
}

/**
 * The error for a source that is no longer what was queued, or undefined.
 * Files compare by size and modification time; folders by what they hold.
 */
export function sourceChange(
  before: readonly SourceEntry[],
  now: readonly ManifestEntry[],
): TransferError | undefined {
  const current = new Map(now.map((entry) => [entry.path, entry]));
  for (const [path, kind, size, mtimeMs] of before) {
    const entry = current.get(path);
    current.delete(path);
    if (entry === undefined) return changed(`${path} is gone`);
    if (entry.kind !== kind) return changed(`${path} is no longer the same kind of entry`);
    if (kind !== EntryKind.File) continue;
    if (entry.size !== size) return changed(`${path} is now ${entry.size} bytes, was ${size}`);
    if (entry.mtimeMs !== mtimeMs) return changed(`${path} was modified`);
  }
  const added = current.keys().next();
  return added.done ? undefined : changed(`${added.value} was added`);
}

function changed(what: string): TransferError {
  return new TransferError(
    "ERR_SOURCE_CHANGED",
    `${what} since the send was queued; send it again to send what is there now`,
  );
}
