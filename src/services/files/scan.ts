/**
 * What a sender offers, from local paths: files and folders (walked, empty
 * folders included), symbolic links inside folders only with `links` (and
 * only those pointing inside their folder), anything else skipped with a
 * warning. Or a short text, or a stream of unknown length (stdin).
 */
import { lstatSync } from "node:fs";
import { readdir, readlink, stat } from "node:fs/promises";
import { basename, join, posix, resolve } from "node:path";
import type { Readable } from "node:stream";
import { ConfigError } from "../../errors.js";
import { TransferError } from "./errors.js";
import { EntryKind, type ManifestEntry } from "./manifest.js";
import { checkRelativePath } from "./safe-path.js";

export interface SendSource {
  entries: ManifestEntry[];
  /** The local file behind each file entry, by index. */
  localPaths: Array<string | undefined>;
  /** The stream behind the one entry of unknown size. */
  stream?: Readable;
  text?: string;
}

export interface ScanOptions {
  /** Send symbolic links inside folders as links (else they are skipped). @default false */
  links?: boolean;
  /** Hears what is left out and why. */
  onWarning?: (err: TransferError) => void;
}

function toEntry(
  path: string,
  kind: EntryKind,
  stats: { size: number; mode: number; mtimeMs: number },
): ManifestEntry {
  return {
    path,
    kind,
    size: kind === EntryKind.File ? stats.size : 0,
    mode: stats.mode & 0o7777,
    mtimeMs: Math.round(stats.mtimeMs),
  };
}

/** Builds the offer for `paths`. @throws ConfigError ERR_USAGE, TransferError ERR_SOURCE_UNREADABLE */
export async function scanPaths(
  paths: readonly string[],
  options: ScanOptions = {},
): Promise<SendSource> {
  const source: SendSource = { entries: [], localPaths: [] };
  const warn = options.onWarning ?? (() => {});
  const roots = new Set<string>();
  for (const path of paths) {
    const local = resolve(path);
    const name = basename(local);
    if (name === "" || name === "." || name === "..") {
      throw new ConfigError(
        "ERR_USAGE",
        `cannot send ${path}: give a file or a folder with a name`,
      );
    }
    checkName(name, path);
    if (roots.has(name))
      throw new ConfigError("ERR_USAGE", `two sources are named ${name}; send them separately`);
    roots.add(name);
    let stats: Awaited<ReturnType<typeof stat>>;
    try {
      stats = await stat(local); // a link given on the command line is followed
    } catch (err: unknown) {
      throw new TransferError(
        "ERR_SOURCE_UNREADABLE",
        `cannot read ${path}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (stats.isFile()) add(source, toEntry(name, EntryKind.File, stats), local);
    else if (stats.isDirectory()) {
      add(source, toEntry(name, EntryKind.Dir, stats), undefined);
      await walk(source, local, name, options.links ?? false, warn);
    } else {
      throw new ConfigError("ERR_USAGE", `cannot send ${path}: not a file or a folder`);
    }
  }
  return source;
}

function add(source: SendSource, entry: ManifestEntry, local: string | undefined): void {
  source.entries.push(entry);
  source.localPaths.push(local);
}

function checkName(name: string, local: string): void {
  try {
    checkRelativePath(name, { windows: false });
  } catch {
    throw new ConfigError(
      "ERR_USAGE",
      `cannot send ${local}: its name has characters a receiver refuses`,
    );
  }
}

async function walk(
  source: SendSource,
  dir: string,
  relative: string,
  links: boolean,
  warn: (err: TransferError) => void,
): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err: unknown) {
    warn(
      new TransferError(
        "ERR_SOURCE_UNREADABLE",
        `skipped the inside of ${dir}: ${(err as Error).message}`,
      ),
    );
    return;
  }
  // Direct calls: the walk runs before any transfer, and 10,000 trips through the thread pool cost more.
  const stats = names.map((name) => {
    try {
      return lstatSync(join(dir, name));
    } catch (err: unknown) {
      return err as Error;
    }
  });
  const subdirs: Array<[string, string]> = [];
  for (const [i, name] of names.entries()) {
    const local = join(dir, name);
    const path = `${relative}/${name}`;
    const info = stats[i]!;
    if (info instanceof Error) {
      warn(new TransferError("ERR_SOURCE_UNREADABLE", `skipped ${local}: ${info.message}`));
    } else if (info.isFile()) {
      add(source, toEntry(path, EntryKind.File, info), local);
    } else if (info.isDirectory()) {
      add(source, toEntry(path, EntryKind.Dir, info), undefined);
      subdirs.push([local, path]);
    } else if (info.isSymbolicLink()) {
      await addLink(source, local, path, info, links, warn);
    } else {
      warn(new TransferError("ERR_SOURCE_SKIPPED", `skipped ${local}: not a file, folder or link`));
    }
  }
  for (const [local, path] of subdirs) await walk(source, local, path, links, warn);
}

async function addLink(
  source: SendSource,
  local: string,
  path: string,
  info: { size: number; mode: number; mtimeMs: number },
  links: boolean,
  warn: (err: TransferError) => void,
): Promise<void> {
  if (!links) {
    warn(
      new TransferError(
        "ERR_SOURCE_SKIPPED",
        `skipped the symbolic link ${local} (--links sends links)`,
      ),
    );
    return;
  }
  const target = (await readlink(local)).split("\\").join("/");
  const top = path.split("/")[0]!;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  if (target.startsWith("/") || !(resolved === top || resolved.startsWith(`${top}/`))) {
    warn(
      new TransferError(
        "ERR_SOURCE_SKIPPED",
        `skipped the symbolic link ${local}: it points outside ${top}`,
      ),
    );
    return;
  }
  add(source, { ...toEntry(path, EntryKind.Symlink, info), target }, undefined);
}

/** A short text to offer instead of files. */
export function textSource(text: string): SendSource {
  return { entries: [], localPaths: [], text };
}

/** One file of unknown length read from `stream` (e.g. stdin), offered as `name`. */
export function streamSource(stream: Readable, name: string): SendSource {
  checkName(name, name);
  const now = Date.now();
  return {
    entries: [{ path: name, kind: EntryKind.File, size: null, mode: 0o644, mtimeMs: now }],
    localPaths: [undefined],
    stream,
  };
}
