/**
 * DNS message types as used by Multicast DNS (RFC 1035, RFC 6762): only the
 * record types DNS-SD needs are decoded; anything else is kept as raw bytes.
 * Names are arrays of labels, so a dot inside an instance name is just a
 * character of its label and never needs escaping.
 */

/** A domain name as its labels, e.g. `["Alice", "_walkie", "_tcp", "local"]`. */
export type Name = readonly string[];

/** Record types by number (RFC 1035, RFC 2782, RFC 3596). */
export const RecordType = {
  A: 1,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  ANY: 255,
} as const;

/** The Internet class; mDNS uses it for everything. */
export const CLASS_IN = 1;
/** The class ANY in a question. */
export const CLASS_ANY = 255;

/** Largest mDNS message we send or accept (RFC 6762 section 17). */
export const MDNS_MAX_MESSAGE = 9000;
/** Largest encoded name (RFC 1035 section 3.1). */
export const MAX_NAME_BYTES = 255;
/** Largest label (RFC 1035 section 2.3.4). */
export const MAX_LABEL_BYTES = 63;

export type RecordData =
  | { kind: "a"; address: string }
  | { kind: "aaaa"; address: string }
  | { kind: "ptr"; target: Name }
  | { kind: "srv"; priority: number; weight: number; port: number; target: Name }
  | { kind: "txt"; strings: readonly Uint8Array[] }
  | { kind: "other"; type: number; rdata: Uint8Array };

export interface ResourceRecord {
  name: Name;
  /** Class without the cache-flush bit; normally CLASS_IN. */
  rrclass: number;
  /** mDNS cache-flush bit: this record replaces older ones of its name and type. */
  cacheFlush: boolean;
  /** Seconds; 0 is a goodbye. */
  ttl: number;
  data: RecordData;
}

export interface Question {
  name: Name;
  qtype: number;
  /** Class without the unicast-response bit. */
  qclass: number;
  /** mDNS "QU" bit: the asker prefers a unicast answer. */
  unicastResponse: boolean;
}

export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

/** The numeric type of a record's data. */
export function recordType(data: RecordData): number {
  switch (data.kind) {
    case "a":
      return RecordType.A;
    case "aaaa":
      return RecordType.AAAA;
    case "ptr":
      return RecordType.PTR;
    case "srv":
      return RecordType.SRV;
    case "txt":
      return RecordType.TXT;
    case "other":
      return data.type;
  }
}

/** DNS compares names ASCII-case-insensitively; other characters exactly. */
function lowerAscii(label: string): string {
  return label.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** A canonical string for a name, for Map keys and comparison. */
export function nameKey(name: Name): string {
  return name.map((label) => lowerAscii(label).replace(/[\\.]/g, "\\$&")).join(".");
}

export function sameName(a: Name, b: Name): boolean {
  return a.length === b.length && a.every((label, i) => lowerAscii(label) === lowerAscii(b[i]!));
}

/** True when `name` is `suffix` with exactly `extra` labels in front. */
export function isUnder(name: Name, suffix: Name, extra = 1): boolean {
  return name.length === suffix.length + extra && sameName(name.slice(extra), suffix);
}

/** Dotted text for logs and for host names (`abc.local`); labels are not escaped. */
export function nameText(name: Name): string {
  return name.join(".");
}

/** Byte-exact equality of two records' data (the RFC 6762 notion of "same rdata"). */
export function sameData(a: RecordData, b: RecordData): boolean {
  switch (a.kind) {
    case "a":
    case "aaaa":
      return a.kind === b.kind && a.address === b.address;
    case "ptr":
      return b.kind === "ptr" && sameName(a.target, b.target);
    case "srv":
      return (
        b.kind === "srv" &&
        a.port === b.port &&
        a.priority === b.priority &&
        a.weight === b.weight &&
        sameName(a.target, b.target)
      );
    case "txt":
      return (
        b.kind === "txt" &&
        a.strings.length === b.strings.length &&
        a.strings.every((s, i) => Buffer.compare(s, b.strings[i]!) === 0)
      );
    case "other":
      return b.kind === "other" && a.type === b.type && Buffer.compare(a.rdata, b.rdata) === 0;
  }
}
