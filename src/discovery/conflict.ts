/**
 * Name conflicts (RFC 6762 sections 8.2 and 9): whether records someone else
 * sent claim our instance or host name with other data, and which side keeps
 * the name. Pure: the announcer decides what to do with the answer.
 */
import {
  CLASS_IN,
  type Name,
  type ResourceRecord,
  recordType,
  sameData,
  sameName,
} from "./dns-message.js";

export interface Clash {
  /** Someone else claims our instance name. */
  instance: boolean;
  /** Someone else claims our host name. */
  host: boolean;
  /** By the lexicographic tie-break our data wins and the other side must rename. */
  weWin: boolean;
}

/**
 * True when `theirs` claims one of `names` with data that is none of ours
 * (on any interface, so our own packets seen twice never count).
 */
export function isConflict(
  theirs: ResourceRecord,
  ours: readonly ResourceRecord[],
  names: readonly Name[],
): boolean {
  if (theirs.ttl === 0 || theirs.rrclass !== CLASS_IN) return false;
  // TXT is left out: ours changes (nameplate) while old copies may still be
  // in flight, and a rival always differs in SRV or addresses anyway.
  if (theirs.data.kind === "txt") return false;
  if (!names.some((name) => sameName(name, theirs.name))) return false;
  return !ours.some((r) => sameName(r.name, theirs.name) && sameData(r.data, theirs.data));
}

/** A comparable text for a set of records: type, then data (RFC 6762 8.2.1). */
function tieBreakKey(records: readonly ResourceRecord[]): string {
  const keys = records.map((r) => {
    const d = r.data;
    const type = String(recordType(d)).padStart(5, "0");
    switch (d.kind) {
      case "srv":
        return `${type}|${d.priority}|${d.weight}|${d.port}|${d.target.join(".")}`;
      case "a":
      case "aaaa":
        return `${type}|${d.address}`;
      default:
        return type;
    }
  });
  return keys.sort().join(";");
}

/** How `theirs` clashes with our records under `instance` and `host`, or null. */
export function findClash(
  theirs: readonly ResourceRecord[],
  ours: readonly ResourceRecord[],
  instance: Name,
  host: Name,
): Clash | null {
  const clashing = theirs.filter((r) => isConflict(r, ours, [instance, host]));
  if (clashing.length === 0) return null;
  const mine = ours.filter(
    (r) =>
      r.cacheFlush &&
      clashing.some((c) => sameName(c.name, r.name) && recordType(c.data) === recordType(r.data)),
  );
  return {
    instance: clashing.some((r) => sameName(r.name, instance)),
    host: clashing.some((r) => sameName(r.name, host)),
    weWin: tieBreakKey(mine) > tieBreakKey(clashing),
  };
}
