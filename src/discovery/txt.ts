/**
 * The Walkie TXT record: `v=<version>`, `id=<short id>` and, while a one-time
 * code waits, `np=<nameplate>`. Encoding checks our own values (ConfigError);
 * parsing treats every byte as hostile (WireError), following RFC 6763
 * section 6: keys are case-insensitive, the first occurrence of a key wins,
 * unknown keys are ignored.
 */
import { ConfigError, WireError } from "../errors.js";

export interface WalkieTxt {
  version: number;
  shortId: string;
  nameplate: number | null;
}

const SHORT_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const NAMEPLATE = /^(0|[1-9][0-9]{0,8})$/;
const VERSION = /^[1-9][0-9]{0,3}$/;
const MAX_STRINGS = 64;
const MAX_TOTAL_BYTES = 1300; // RFC 6763 6.2: keep TXT under about 1300 bytes

const latin1 = new TextDecoder("latin1");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const utf8 = new TextEncoder();

export function isValidShortId(value: string): boolean {
  return SHORT_ID.test(value);
}

export function isValidNameplate(value: unknown): value is number {
  return Number.isSafeInteger(value) && NAMEPLATE.test(String(value));
}

/** The TXT strings for `txt`. @throws ConfigError ERR_BAD_VERSION, ERR_BAD_SHORT_ID, ERR_BAD_NAMEPLATE */
export function encodeTxt(txt: WalkieTxt): Uint8Array[] {
  if (!Number.isSafeInteger(txt.version) || !VERSION.test(String(txt.version))) {
    throw new ConfigError("ERR_BAD_VERSION", `protocol version ${txt.version} is out of range`);
  }
  if (!isValidShortId(txt.shortId)) {
    throw new ConfigError(
      "ERR_BAD_SHORT_ID",
      `short id "${txt.shortId}" must be 1 to 32 lowercase letters, digits or inner dashes`,
    );
  }
  const entries = [`v=${txt.version}`, `id=${txt.shortId}`];
  if (txt.nameplate !== null) {
    if (!isValidNameplate(txt.nameplate)) {
      throw new ConfigError("ERR_BAD_NAMEPLATE", `nameplate ${txt.nameplate} is out of range`);
    }
    entries.push(`np=${txt.nameplate}`);
  }
  return entries.map((entry) => utf8.encode(entry));
}

/**
 * Splits TXT strings into key/value pairs. A key without `=` maps to `true`;
 * values stay bytes. Keys are lowercased; only printable ASCII keys count.
 * @throws WireError ERR_MDNS_TXT for non-byte input or oversized records
 */
export function parseTxtEntries(strings: readonly unknown[]): Map<string, Uint8Array | true> {
  if (!Array.isArray(strings) || strings.length > MAX_STRINGS) {
    throw new WireError("ERR_MDNS_TXT", "TXT record is not a list of up to 64 strings");
  }
  const entries = new Map<string, Uint8Array | true>();
  let total = 0;
  for (const item of strings) {
    if (!(item instanceof Uint8Array))
      throw new WireError("ERR_MDNS_TXT", "TXT entry is not bytes");
    total += item.length + 1;
    if (item.length > 255 || total > MAX_TOTAL_BYTES) {
      throw new WireError("ERR_MDNS_TXT", "TXT record too large");
    }
    const equals = item.indexOf(0x3d);
    const keyBytes = equals < 0 ? item : item.subarray(0, equals);
    const key = latin1.decode(keyBytes).toLowerCase();
    // RFC 6763 6.4: keys are printable US-ASCII without '='; an empty key is ignored.
    if (key.length === 0 || !/^[\x20-\x7e]+$/.test(key)) continue;
    if (entries.has(key)) continue;
    entries.set(key, equals < 0 ? true : item.slice(equals + 1));
  }
  return entries;
}

function text(entries: Map<string, Uint8Array | true>, key: string): string | null {
  const value = entries.get(key);
  if (value === undefined) return null;
  if (value === true) throw new WireError("ERR_MDNS_TXT", `TXT key "${key}" has no value`);
  try {
    return strictUtf8.decode(value);
  } catch (err: unknown) {
    throw new WireError("ERR_MDNS_TXT", `TXT key "${key}" is not UTF-8`, { cause: err });
  }
}

/**
 * Reads a Walkie TXT record. `np` is optional; `v` and `id` are required.
 * @throws WireError ERR_MDNS_TXT when anything is missing or out of range
 */
export function parseTxt(strings: readonly unknown[]): WalkieTxt {
  const entries = parseTxtEntries(strings);
  const version = text(entries, "v");
  if (version === null || !VERSION.test(version)) {
    throw new WireError("ERR_MDNS_TXT", `TXT "v" is missing or not a version: ${show(version)}`);
  }
  const shortId = text(entries, "id");
  if (shortId === null || !isValidShortId(shortId)) {
    throw new WireError("ERR_MDNS_TXT", `TXT "id" is missing or not a short id: ${show(shortId)}`);
  }
  const nameplate = text(entries, "np");
  if (nameplate !== null && !NAMEPLATE.test(nameplate)) {
    throw new WireError("ERR_MDNS_TXT", `TXT "np" is not a nameplate: ${show(nameplate)}`);
  }
  return {
    version: Number(version),
    shortId,
    nameplate: nameplate === null ? null : Number(nameplate),
  };
}

/** A peer-given value, quoted and cut short for a log line. */
function show(value: string | null): string {
  return value === null ? "absent" : JSON.stringify(value.slice(0, 40));
}
