/**
 * The DNS-SD records of one announced service on one interface, and the
 * rules that use them: which records answer a question (RFC 6762 section 6,
 * with known-answer suppression, section 7.1). Pure: no sockets, no timers.
 */
import {
  CLASS_ANY,
  CLASS_IN,
  type DnsMessage,
  type Name,
  type Question,
  type RecordData,
  RecordType,
  type ResourceRecord,
  recordType,
  sameData,
  sameName,
} from "./dns-message.js";
import type { MdnsInterface } from "./interfaces.js";
import { META_QUERY_LABELS, SERVICE_LABELS } from "./types.js";

/** RFC 6762 section 10: host records 120 s, the others 75 minutes. */
export const HOST_TTL = 120;
export const OTHER_TTL = 4500;

export interface ServiceIdentity {
  /** Instance label, e.g. `Alice Laptop (2)`. */
  instance: string;
  /** Host label, e.g. `mfrggzdf7` for `mfrggzdf7.local`. */
  host: string;
  port: number;
  txt: readonly Uint8Array[];
}

export function instanceFqdn(instance: string): Name {
  return [instance, ...SERVICE_LABELS];
}

export function hostFqdn(host: string): Name {
  return [host, "local"];
}

function record(name: Name, data: RecordData, ttl: number, unique: boolean): ResourceRecord {
  return { name, rrclass: CLASS_IN, cacheFlush: unique, ttl, data };
}

/** The unique records (SRV, TXT, A/AAAA) of the service on `iface`. */
export function uniqueRecords(id: ServiceIdentity, iface: MdnsInterface): ResourceRecord[] {
  const fqdn = instanceFqdn(id.instance);
  const host = hostFqdn(id.host);
  return [
    record(
      fqdn,
      { kind: "srv", priority: 0, weight: 0, port: id.port, target: host },
      HOST_TTL,
      true,
    ),
    record(fqdn, { kind: "txt", strings: id.txt }, OTHER_TTL, true),
    ...iface.addresses.map((address) => {
      const data: RecordData = address.includes(":")
        ? { kind: "aaaa", address }
        : { kind: "a", address };
      return record(host, data, HOST_TTL, true);
    }),
  ];
}

/** Every record of the service on `iface`: the shared PTRs, then the unique ones. */
export function serviceRecords(id: ServiceIdentity, iface: MdnsInterface): ResourceRecord[] {
  const fqdn = instanceFqdn(id.instance);
  return [
    record(SERVICE_LABELS, { kind: "ptr", target: fqdn }, OTHER_TTL, false),
    record(META_QUERY_LABELS, { kind: "ptr", target: SERVICE_LABELS }, OTHER_TTL, false),
    ...uniqueRecords(id, iface),
  ];
}

/** The same records with TTL 0: a goodbye (RFC 6762 section 10.1). */
export function goodbye(records: readonly ResourceRecord[]): ResourceRecord[] {
  return records.map((r) => ({ ...r, ttl: 0 }));
}

/** A probe query for our names with our proposed records (RFC 6762 section 8.1). */
export function probeQuestions(id: ServiceIdentity): Question[] {
  return [instanceFqdn(id.instance), hostFqdn(id.host)].map((name) => ({
    name,
    qtype: RecordType.ANY,
    qclass: CLASS_IN,
    unicastResponse: true,
  }));
}

function matches(question: Question, r: ResourceRecord): boolean {
  if (question.qclass !== CLASS_IN && question.qclass !== CLASS_ANY) return false;
  if (question.qtype !== RecordType.ANY && question.qtype !== recordType(r.data)) return false;
  return sameName(question.name, r.name);
}

function same(a: ResourceRecord, b: ResourceRecord): boolean {
  return sameName(a.name, b.name) && sameData(a.data, b.data);
}

/**
 * Our records that answer `query`, minus those the asker already knows with
 * at least half their TTL left, plus the additional records DNS-SD
 * recommends (RFC 6763 section 12). Null when there is nothing to say.
 */
export function answerQuery(
  records: readonly ResourceRecord[],
  query: DnsMessage,
): { answers: ResourceRecord[]; additionals: ResourceRecord[] } | null {
  const known = (r: ResourceRecord): boolean =>
    query.answers.some((k) => same(k, r) && k.ttl >= r.ttl / 2);
  const answers = records.filter((r) => query.questions.some((q) => matches(q, r)) && !known(r));
  if (answers.length === 0) return null;
  const wanted = new Set<ResourceRecord>();
  const addHost = (srv: ResourceRecord): void => {
    if (srv.data.kind !== "srv") return;
    const host = srv.data.target;
    for (const r of records) {
      if ((r.data.kind === "a" || r.data.kind === "aaaa") && sameName(r.name, host)) wanted.add(r);
    }
  };
  for (const answer of answers) {
    if (answer.data.kind === "srv") addHost(answer);
    if (answer.data.kind !== "ptr") continue;
    const instance = answer.data.target;
    for (const r of records) {
      if ((r.data.kind === "srv" || r.data.kind === "txt") && sameName(r.name, instance)) {
        wanted.add(r);
        addHost(r);
      }
    }
  }
  const additionals = [...wanted].filter((r) => !answers.includes(r) && !known(r));
  return { answers, additionals };
}
