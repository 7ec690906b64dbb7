/**
 * The manifest a sender offers: relative POSIX paths, kinds, sizes, modes and
 * modification times, or a short text instead. The wire form is CBOR
 * (PROTOCOL.md "Files service"); `decodeOffer` checks every field's type and
 * range and the limits. The names themselves are checked by safe-path.ts.
 */
import { WireError } from "../../errors.js";
import { decodeCborStrict, encodeCbor } from "../strict-cbor.js";
import { MAX_RECORD_DEPTH } from "./protocol.js";

/** Entry kinds; the numbers are the wire values. */
export enum EntryKind {
  File = 0,
  Dir = 1,
  Symlink = 2,
}

export interface ManifestEntry {
  /** Relative POSIX path, e.g. `photos/2024/a.jpg`. */
  path: string;
  kind: EntryKind;
  /** Bytes of a file; null for a stream of unknown length (stdin); 0 for folders and links. */
  size: number | null;
  /** Permission bits (0 to 0o7777); the receiver keeps only 0o777. */
  mode: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
  /** A link's target (relative, inside the link's top folder). */
  target?: string;
}

export interface Offer {
  /** 16 random bytes naming this transfer; data streams refer to it. */
  id: Buffer;
  entries: ManifestEntry[];
  /** A short text instead of files. */
  text?: string;
}

/** Most entries an offer may list. */
export const MAX_ENTRIES = 200_000;
/** Longest text, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 64 * 1024;
export const TRANSFER_ID_SIZE = 16;
const OFFER_VERSION = 1;

type WireEntry =
  | [string, number, number | null, number, number]
  | [string, number, number, number, number, string];

export function encodeOffer(offer: Offer): Uint8Array {
  const entries: WireEntry[] = offer.entries.map((e) =>
    e.target === undefined
      ? [e.path, e.kind, e.size, e.mode, e.mtimeMs]
      : [e.path, e.kind, e.size ?? 0, e.mode, e.mtimeMs, e.target],
  );
  return encodeCbor({ v: OFFER_VERSION, id: offer.id, e: entries, text: offer.text });
}

function bad(why: string): WireError {
  return new WireError("ERR_BAD_OFFER", `malformed offer: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

/** @throws WireError ERR_BAD_OFFER, or ERR_MANIFEST_LIMIT when over a limit */
export function decodeOffer(bytes: Uint8Array): Offer {
  const value = decodeCborStrict(bytes, "ERR_BAD_OFFER", {
    limitCode: "ERR_MANIFEST_LIMIT",
    maxItems: MAX_ENTRIES,
    maxDepth: MAX_RECORD_DEPTH,
  });
  if (!isRecord(value)) throw bad("not a map");
  if (value.v !== OFFER_VERSION) throw bad(`version ${String(value.v)}`);
  const id = value.id;
  if (!(id instanceof Uint8Array) || id.length !== TRANSFER_ID_SIZE) throw bad("transfer id");
  const text = value.text;
  if (text !== undefined) {
    if (typeof text !== "string") throw bad("text");
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES) {
      throw new WireError("ERR_MANIFEST_LIMIT", `text over ${MAX_TEXT_BYTES} bytes`);
    }
  }
  if (!Array.isArray(value.e)) throw bad("entries");
  const entries = value.e.map(decodeEntry);
  if (text !== undefined && entries.length > 0) throw bad("both text and entries");
  if (text === undefined && entries.length === 0) throw bad("nothing offered");
  if (entries.some((e) => e.size === null) && entries.length !== 1) {
    throw bad("a stream of unknown length must be the only entry");
  }
  return { id: Buffer.from(id), entries, ...(text === undefined ? {} : { text }) };
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function decodeEntry(item: unknown, index: number): ManifestEntry {
  if (!Array.isArray(item) || item.length < 5 || item.length > 6) throw bad(`entry ${index}`);
  const [path, kind, size, mode, mtimeMs, target] = item as unknown[];
  if (typeof path !== "string") throw bad(`entry ${index}: path`);
  if (kind !== EntryKind.File && kind !== EntryKind.Dir && kind !== EntryKind.Symlink) {
    throw bad(`entry ${index}: kind`);
  }
  if (!(isCount(size) || (size === null && kind === EntryKind.File)))
    throw bad(`entry ${index}: size`);
  if (kind !== EntryKind.File && size !== 0) throw bad(`entry ${index}: size of a non-file`);
  if (!isCount(mode) || mode > 0o7777) throw bad(`entry ${index}: mode`);
  if (typeof mtimeMs !== "number" || !Number.isSafeInteger(mtimeMs))
    throw bad(`entry ${index}: mtime`);
  if ((kind === EntryKind.Symlink) !== (typeof target === "string"))
    throw bad(`entry ${index}: target`);
  const entry: ManifestEntry = { path, kind, size, mode, mtimeMs };
  if (typeof target === "string") entry.target = target;
  return entry;
}

/** Counts of an offer, as shown to the person deciding. */
export interface OfferSummary {
  files: number;
  dirs: number;
  links: number;
  /** Sum of the known file sizes. */
  bytes: number;
  /** True when a file's size is unknown (a stream). */
  unknownSize: boolean;
  /** The top-level names, in order. */
  roots: string[];
}

export function summarizeEntries(entries: readonly ManifestEntry[]): OfferSummary {
  const summary: OfferSummary = {
    files: 0,
    dirs: 0,
    links: 0,
    bytes: 0,
    unknownSize: false,
    roots: [],
  };
  const roots = new Set<string>();
  for (const entry of entries) {
    if (entry.kind === EntryKind.File) {
      summary.files++;
      if (entry.size === null) summary.unknownSize = true;
      else summary.bytes += entry.size;
    } else if (entry.kind === EntryKind.Dir) summary.dirs++;
    else summary.links++;
    roots.add(entry.path.split("/")[0]!);
  }
  summary.roots = [...roots];
  return summary;
}
