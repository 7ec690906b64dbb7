/**
 * The safe-path check for names that come from a peer (as syncthing's
 * checkFilename): relative POSIX paths only, no `..`, no absolute or drive
 * paths, no NUL or control characters, no two entries that are the same
 * after Unicode normalization, nothing inside a file or a link, and link
 * targets that stay inside their own top folder. The check on disk (no
 * existing symlink on the way) is `checkNoSymlinkOnPath`. A violation is a
 * WireError `ERR_UNSAFE_PATH`: the offer is refused and the link closes.
 */
import { lstat } from "node:fs/promises";
import { join, posix } from "node:path";
import { WireError } from "../../errors.js";

/** Longest path accepted, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 4096;
/** Longest path component, in UTF-8 bytes (most file systems stop at 255). */
export const MAX_COMPONENT_BYTES = 255;

/** NUL, C0 and C1 control characters and DEL. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** `C:` and the like: a drive on Windows. */
const DRIVE = /^[A-Za-z]:/;
/** Characters Windows refuses in names (besides the separators). */
const WINDOWS_RESERVED_CHARS = /[<>:"|?*]/;
const WINDOWS_RESERVED_NAMES = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

function unsafe(path: string, why: string): WireError {
  return new WireError("ERR_UNSAFE_PATH", `unsafe name ${JSON.stringify(path)}: ${why}`);
}

export interface PathCheckOptions {
  /** Also refuse what Windows cannot store. @default process.platform === "win32" */
  windows?: boolean;
}

/** Checks one relative POSIX path from a peer. @throws WireError ERR_UNSAFE_PATH */
export function checkRelativePath(path: string, options: PathCheckOptions = {}): void {
  const windows = options.windows ?? process.platform === "win32";
  if (path.length === 0) throw unsafe(path, "empty");
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw unsafe(path, "too long");
  if (CONTROL.test(path)) throw unsafe(path, "control character");
  if (path.includes("\\")) throw unsafe(path, "backslash");
  if (path.startsWith("/")) throw unsafe(path, "absolute path");
  if (DRIVE.test(path)) throw unsafe(path, "drive path");
  for (const part of path.split("/")) {
    if (part === "") throw unsafe(path, "empty component");
    if (part === "." || part === "..") throw unsafe(path, `"${part}" component`);
    if (Buffer.byteLength(part) > MAX_COMPONENT_BYTES) throw unsafe(path, "component too long");
    if (windows) {
      if (WINDOWS_RESERVED_CHARS.test(part)) throw unsafe(path, "character Windows refuses");
      if (WINDOWS_RESERVED_NAMES.test(part)) throw unsafe(path, "name Windows reserves");
      if (/[. ]$/.test(part)) throw unsafe(path, "ends with a dot or space");
    }
  }
}

/** What the structural check needs to know of an entry. */
export interface PathEntry {
  path: string;
  /** A folder may hold other entries; a file or a link may not. */
  isDir: boolean;
  /** For a symbolic link: its target. */
  target?: string;
}

/**
 * Checks a whole list: each path, no duplicates (also after NFC
 * normalization, so `é` composed and decomposed cannot both appear), no
 * entry inside a file or a link, link targets relative and inside the link's
 * top folder. @throws WireError ERR_UNSAFE_PATH
 */
export function checkEntryPaths(
  entries: readonly PathEntry[],
  options: PathCheckOptions = {},
): void {
  const kinds = new Map<string, boolean>();
  for (const entry of entries) {
    checkRelativePath(entry.path, options);
    const key = entry.path.normalize("NFC");
    if (kinds.has(key)) {
      throw unsafe(
        entry.path,
        key === entry.path ? "listed twice" : "same as another name after Unicode normalization",
      );
    }
    kinds.set(key, entry.isDir);
    if (entry.target !== undefined) checkLinkTarget(entry.path, entry.target);
  }
  for (const key of kinds.keys()) {
    for (let slash = key.indexOf("/"); slash >= 0; slash = key.indexOf("/", slash + 1)) {
      if (kinds.get(key.slice(0, slash)) === false) {
        throw unsafe(key, `inside ${JSON.stringify(key.slice(0, slash))}, which is not a folder`);
      }
    }
  }
}

/** A link target must be relative and resolve inside the link's own top folder. */
function checkLinkTarget(path: string, target: string): void {
  if (target.length === 0 || Buffer.byteLength(target) > MAX_PATH_BYTES) {
    throw unsafe(path, "link target empty or too long");
  }
  if (CONTROL.test(target) || target.includes("\\")) {
    throw unsafe(path, "link target with a control character or backslash");
  }
  if (target.startsWith("/") || DRIVE.test(target)) throw unsafe(path, "absolute link target");
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  const top = path.split("/")[0]!;
  if (!(resolved === top || resolved.startsWith(`${top}/`))) {
    throw unsafe(path, `link target ${JSON.stringify(target)} points outside ${top}`);
  }
}

/**
 * Checks on disk that no folder on the way from `root` to `relative` (its
 * parent folders, not the entry itself) is a symbolic link or a non-folder,
 * so nothing written there can land outside `root`. Folders already checked
 * are kept in `checked`. @throws WireError ERR_UNSAFE_PATH
 */
export async function checkNoSymlinkOnPath(
  root: string,
  relative: string,
  checked: Set<string> = new Set(),
): Promise<void> {
  const parts = relative.split("/");
  let current = "";
  for (const part of parts.slice(0, -1)) {
    current = current === "" ? part : `${current}/${part}`;
    if (checked.has(current)) continue;
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(join(root, current));
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // nothing below exists yet
      throw err;
    }
    if (stats.isSymbolicLink()) {
      throw unsafe(relative, `${JSON.stringify(current)} is a symbolic link in the target folder`);
    }
    if (!stats.isDirectory()) throw unsafe(relative, `${JSON.stringify(current)} is not a folder`);
    checked.add(current);
  }
}
