/**
 * The receiver's plan for an offer, made before anything is written: where
 * each top name goes (a clash becomes `name (1).ext` unless overwriting), no
 * symbolic link on the way into the target, what an earlier run left to
 * resume (complete files from the journal, `.part` prefixes), and whether
 * the bytes still to come fit in the free space.
 */
import type { Hash } from "node:crypto";
import { lstat, statfs } from "node:fs/promises";
import { extname, join } from "node:path";
import { TransferError } from "./errors.js";
import { journalKey, ResumeJournal } from "./journal.js";
import { EntryKind, type Offer, summarizeEntries } from "./manifest.js";
import type { HaveEntry } from "./messages.js";
import { partPathOf, readPartPrefix } from "./part-file.js";
import { checkNoSymlinkOnPath } from "./safe-path.js";

export interface ReceiveTarget {
  /** The folder to write into (made if missing). */
  outDir: string;
  /** Write over existing files of the same name instead of picking `name (1).ext`. */
  overwrite: boolean;
}

export interface ReceivePlan {
  /** Each entry's absolute final path, by index. */
  finalPaths: string[];
  /** Each entry's final path relative to the target folder (POSIX). */
  savedAs: string[];
  /** Top name -> name in the target folder. */
  roots: Map<string, string>;
  journal: ResumeJournal;
  /** .part files to continue, reported to the sender. */
  have: HaveEntry[];
  /** The running hashes of those prefixes, by index. */
  resumeHashes: Map<number, Hash>;
  /** Files complete from an earlier run. */
  done: Set<number>;
  /** Known bytes still to receive. */
  neededBytes: number;
  /** Free bytes in the target folder, if the platform tells. */
  freeBytes: number | undefined;
}

/** Bytes kept free beyond the transfer, so the disk is never filled to the last block. */
const SPACE_MARGIN = 1024 * 1024;

export async function planReceive(
  offer: Offer,
  senderId: string,
  target: ReceiveTarget,
): Promise<ReceivePlan> {
  const { outDir, overwrite } = target;
  const topNames = summarizeEntries(offer.entries).roots;
  const journal = await ResumeJournal.load(outDir, journalKey(senderId, topNames), senderId);
  const roots = new Map<string, string>();
  const fresh = new Set<string>();
  for (const name of topNames) {
    const known = journal.roots.get(name);
    if (known !== undefined || overwrite) {
      roots.set(name, known ?? name);
    } else {
      const free = await freeName(outDir, name, new Set(roots.values()), isDirRoot(offer, name));
      roots.set(name, free);
      fresh.add(free);
    }
  }
  const savedAs = offer.entries.map((entry) => {
    const slash = entry.path.indexOf("/");
    const top = slash < 0 ? entry.path : entry.path.slice(0, slash);
    return roots.get(top)! + (slash < 0 ? "" : entry.path.slice(slash));
  });
  const checked = new Set<string>();
  for (const relative of savedAs) {
    if (!fresh.has(relative.split("/")[0]!)) await checkNoSymlinkOnPath(outDir, relative, checked);
  }
  const finalPaths = savedAs.map((relative) => join(outDir, ...relative.split("/")));
  const plan: ReceivePlan = {
    finalPaths,
    savedAs,
    roots,
    journal,
    have: [],
    resumeHashes: new Map(),
    done: new Set(),
    neededBytes: 0,
    freeBytes: await freeSpace(outDir),
  };
  for (const [index, entry] of offer.entries.entries()) {
    if (entry.kind !== EntryKind.File || entry.size === null) continue;
    let held = 0;
    if (journal.exists) {
      held = await resumeState(plan, index, entry.path, entry.size, entry.mtimeMs);
    }
    plan.neededBytes += entry.size - held;
  }
  return plan;
}

/** Bytes of entry `index` already here, and records them in `plan`. */
async function resumeState(
  plan: ReceivePlan,
  index: number,
  path: string,
  size: number,
  mtimeMs: number,
): Promise<number> {
  const record = plan.journal.done.get(path);
  if (record !== undefined && record.size === size && record.mtime === mtimeMs) {
    const stats = await lstat(plan.finalPaths[index]!).catch(() => undefined);
    if (stats?.isFile() && stats.size === size) {
      plan.done.add(index);
      return size;
    }
  }
  const prefix = await readPartPrefix(partPathOf(plan.finalPaths[index]!), size);
  if (prefix === undefined || prefix.offset === 0) return 0;
  plan.have.push({ index, offset: prefix.offset, prefixHash: prefix.hash.copy().digest() });
  plan.resumeHashes.set(index, prefix.hash);
  return prefix.offset;
}

function isDirRoot(offer: Offer, name: string): boolean {
  return offer.entries.some((e) => e.path === name && e.kind === EntryKind.Dir);
}

/** `name`, else `name (1).ext`, `name (2).ext`, ...: the first with neither it nor its .part present. */
async function freeName(
  dir: string,
  name: string,
  taken: ReadonlySet<string>,
  isDir: boolean,
): Promise<string> {
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? name : numbered(name, n, isDir);
    if (taken.has(candidate)) continue;
    if (
      !(await exists(join(dir, candidate))) &&
      !(await exists(join(dir, partPathOf(candidate))))
    ) {
      return candidate;
    }
  }
  throw new TransferError("ERR_NAME_CLASH", `no free name for ${name} in ${dir}`);
}

/** `report.pdf` -> `report (1).pdf`; `backup.tar.gz` -> `backup (1).tar.gz`; folders get no extension. */
export function numbered(name: string, n: number, isDir = false): string {
  if (isDir) return `${name} (${n})`;
  const tar = /\.tar\.[A-Za-z0-9]+$/.exec(name);
  const ext = tar !== null && tar.index > 0 ? tar[0] : extname(name);
  const base = name.slice(0, name.length - ext.length);
  return `${base} (${n})${ext}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** Free bytes for an unprivileged writer in `dir`, or undefined where statfs is missing. */
export async function freeSpace(dir: string): Promise<number | undefined> {
  try {
    const stats = await statfs(dir);
    return Number(stats.bavail) * Number(stats.bsize) - SPACE_MARGIN;
  } catch {
    return undefined;
  }
}
