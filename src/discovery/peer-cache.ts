/**
 * The browser's record cache (RFC 6762 section 10): PTR, SRV and TXT records
 * of `_walkie._tcp.local` instances and the addresses of the hosts their SRV
 * records name, each with its TTL. Turns them into DiscoveredPeer views and
 * reports what appeared, changed or went. Pure: time is passed in.
 *
 * Everything here came from the network: counts are capped, TXT records are
 * validated, and bad records are reported through `onWarning` and skipped.
 */
import {
  CLASS_IN,
  isUnder,
  type Name,
  nameKey,
  nameText,
  type Question,
  RecordType,
  type ResourceRecord,
  sameName,
} from "./dns-message.js";
import { parseTxt } from "./txt.js";
import { type DiscoveredPeer, SERVICE_LABELS, type WarningHandler } from "./types.js";

export type PeerEvent =
  | { type: "up"; peer: DiscoveredPeer }
  | { type: "update"; peer: DiscoveredPeer; previous: DiscoveredPeer }
  | { type: "down"; peer: DiscoveredPeer };

interface Timed {
  receivedAt: number;
  ttl: number;
  /** Set once a refresh query went out at 80% of the TTL (RFC 6762 5.2). */
  refreshed?: boolean;
}
interface Instance {
  name: Name;
  ptr?: Timed;
  srv?: Timed & { port: number; target: Name };
  txt?: Timed & { strings: readonly Uint8Array[] };
  lastAsked: number;
  asks: number;
}
type Address = Timed & { address: string; type: number };

const MAX_INSTANCES = 256;
const MAX_ADDRESSES_PER_HOST = 16;
const MAX_ASKS = 5;

const expiresAt = (t: Timed): number => t.receivedAt + t.ttl * 1000;
const timed = (r: ResourceRecord, now: number): Timed => ({ receivedAt: now, ttl: r.ttl });

export class PeerCache {
  private readonly instances = new Map<string, Instance>();
  private readonly hosts = new Map<string, Map<string, Address>>();
  private readonly shown = new Map<string, DiscoveredPeer>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly selfShortId: string | undefined,
    private readonly onWarning: WarningHandler,
  ) {}

  peers(): DiscoveredPeer[] {
    return [...this.shown.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Takes in the answer and additional records of one response. */
  apply(records: readonly ResourceRecord[], now: number): PeerEvent[] {
    const inClass = records.filter((r) => r.rrclass === CLASS_IN);
    for (const r of inClass) this.applyServiceRecord(r, now);
    const wanted = this.srvTargets();
    for (const r of inClass) {
      if ((r.data.kind === "a" || r.data.kind === "aaaa") && wanted.has(nameKey(r.name))) {
        this.applyAddress(r, r.data.address, now);
      }
    }
    return this.diff();
  }

  /** Keys of the host names our SRV records point to: only their addresses are kept. */
  private srvTargets(): Set<string | undefined> {
    return new Set([...this.instances.values()].map((i) => i.srv && nameKey(i.srv.target)));
  }

  private instance(name: Name, now: number): Instance | undefined {
    const key = nameKey(name);
    let entry = this.instances.get(key);
    if (!entry) {
      if (this.instances.size >= MAX_INSTANCES) {
        this.warnOnce("full", `ignored instance "${name[0]}": ${MAX_INSTANCES} already known`);
        return undefined;
      }
      entry = { name, lastAsked: now - 1000, asks: 0 };
      this.instances.set(key, entry);
    }
    return entry;
  }

  private applyServiceRecord(r: ResourceRecord, now: number): void {
    const d = r.data;
    if (d.kind === "ptr" && sameName(r.name, SERVICE_LABELS)) {
      if (!isUnder(d.target, SERVICE_LABELS)) {
        this.warnOnce(`ptr:${nameKey(d.target)}`, `ignored PTR to ${nameText(d.target)}`);
      } else if (r.ttl === 0) {
        this.instances.delete(nameKey(d.target));
      } else {
        const entry = this.instance(d.target, now);
        if (entry) entry.ptr = timed(r, now);
      }
      return;
    }
    if ((d.kind !== "srv" && d.kind !== "txt") || !isUnder(r.name, SERVICE_LABELS)) return;
    if (r.ttl === 0) {
      if (d.kind === "srv") this.instances.delete(nameKey(r.name));
      else delete this.instances.get(nameKey(r.name))?.txt;
      return;
    }
    if (d.kind === "srv" && (d.port === 0 || d.target.length === 0)) {
      this.warnOnce(`srv:${nameKey(r.name)}`, `ignored SRV of "${r.name[0]}": no port or host`);
      return;
    }
    const entry = this.instance(r.name, now);
    if (!entry) return;
    if (d.kind === "srv") entry.srv = { ...timed(r, now), port: d.port, target: d.target };
    else entry.txt = { ...timed(r, now), strings: d.strings };
  }

  private applyAddress(r: ResourceRecord, address: string, now: number): void {
    const key = nameKey(r.name);
    const type = r.data.kind === "a" ? RecordType.A : RecordType.AAAA;
    const addresses = this.hosts.get(key) ?? new Map<string, Address>();
    this.hosts.set(key, addresses);
    if (r.ttl === 0) {
      addresses.delete(address);
      return;
    }
    // Cache-flush: older records of this name and type go (RFC 6762 10.2, after 1 s).
    if (r.cacheFlush) {
      for (const [text, old] of addresses) {
        if (old.type === type && old.receivedAt < now - 1000) addresses.delete(text);
      }
    }
    if (!addresses.has(address) && addresses.size >= MAX_ADDRESSES_PER_HOST) {
      this.warnOnce(`addr:${key}`, `ignored addresses of ${nameText(r.name)}: too many`);
      return;
    }
    addresses.set(address, { ...timed(r, now), address, type });
  }

  /** Drops what outlived its TTL. */
  expire(now: number): PeerEvent[] {
    for (const [key, entry] of this.instances) {
      if (entry.ptr && expiresAt(entry.ptr) <= now) delete entry.ptr;
      if (entry.srv && expiresAt(entry.srv) <= now) delete entry.srv;
      if (entry.txt && expiresAt(entry.txt) <= now) delete entry.txt;
      if (!entry.ptr && !entry.srv) this.instances.delete(key);
    }
    const wanted = this.srvTargets();
    for (const [key, addresses] of this.hosts) {
      for (const [text, a] of addresses) if (expiresAt(a) <= now) addresses.delete(text);
      if (addresses.size === 0 || !wanted.has(key)) this.hosts.delete(key);
    }
    return this.diff();
  }

  /** What to ask now: missing parts of new instances, and refreshes at 80% of a TTL. */
  questions(now: number): Question[] {
    const out = new Map<string, Question>();
    const ask = (name: Name, qtype: number): void => {
      out.set(`${nameKey(name)}/${qtype}`, {
        name,
        qtype,
        qclass: CLASS_IN,
        unicastResponse: false,
      });
    };
    const due = (t: Timed | undefined): boolean => {
      if (!t || t.refreshed || now < t.receivedAt + t.ttl * 800) return false;
      t.refreshed = true;
      return true;
    };
    for (const entry of this.instances.values()) {
      const addresses = entry.srv && this.hosts.get(nameKey(entry.srv.target));
      const complete = entry.srv && entry.txt && addresses && addresses.size > 0;
      if (complete) entry.asks = 0;
      else if (now - entry.lastAsked >= 1000 && entry.asks < MAX_ASKS) {
        entry.lastAsked = now;
        entry.asks++;
        if (!entry.srv) ask(entry.name, RecordType.SRV);
        if (!entry.txt) ask(entry.name, RecordType.TXT);
        if (entry.srv && !addresses?.size) ask(entry.srv.target, RecordType.ANY);
      }
      if (due(entry.srv)) ask(entry.name, RecordType.SRV);
      if (due(entry.txt)) ask(entry.name, RecordType.TXT);
      if (entry.srv && [...(addresses?.values() ?? [])].some(due)) {
        ask(entry.srv.target, RecordType.ANY);
      }
    }
    return [...out.values()];
  }

  /** PTR records we hold with more than half their TTL left (RFC 6762 7.1). */
  knownAnswers(now: number): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    for (const entry of this.instances.values()) {
      const ptr = entry.ptr;
      if (!ptr || expiresAt(ptr) - now < ptr.ttl * 500) continue;
      const ttl = Math.floor((expiresAt(ptr) - now) / 1000);
      out.push({
        name: SERVICE_LABELS,
        rrclass: CLASS_IN,
        cacheFlush: false,
        ttl,
        data: { kind: "ptr", target: entry.name },
      });
    }
    return out;
  }

  private view(entry: Instance): DiscoveredPeer | null {
    if (!entry.srv || !entry.txt) return null;
    const addresses = [...(this.hosts.get(nameKey(entry.srv.target))?.values() ?? [])]
      .sort((a, b) => a.type - b.type || a.address.localeCompare(b.address))
      .map((a) => a.address);
    if (addresses.length === 0) return null;
    let txt: ReturnType<typeof parseTxt>;
    try {
      txt = parseTxt(entry.txt.strings);
    } catch (err: unknown) {
      const key = `txt:${nameKey(entry.name)}:${entry.txt.strings.map((s) => s.join()).join()}`;
      this.warnOnce(key, `ignored "${entry.name[0]}": bad TXT record`, err);
      return null;
    }
    if (txt.shortId === this.selfShortId) return null;
    return {
      name: entry.name[0]!,
      shortId: txt.shortId,
      nameplate: txt.nameplate,
      addresses,
      port: entry.srv.port,
      version: txt.version,
      host: nameText(entry.srv.target),
    };
  }

  private diff(): PeerEvent[] {
    const events: PeerEvent[] = [];
    const seen = new Set<string>();
    for (const [key, entry] of this.instances) {
      const peer = this.view(entry);
      if (!peer) continue;
      seen.add(key);
      const previous = this.shown.get(key);
      this.shown.set(key, peer);
      if (!previous) events.push({ type: "up", peer });
      else if (JSON.stringify(previous) !== JSON.stringify(peer)) {
        events.push({ type: "update", peer, previous });
      }
    }
    for (const [key, peer] of this.shown) {
      if (seen.has(key)) continue;
      this.shown.delete(key);
      events.push({ type: "down", peer });
    }
    return events;
  }

  private warnOnce(key: string, message: string, cause?: unknown): void {
    if (this.warned.has(key)) return;
    if (this.warned.size > 1000) this.warned.clear(); // bounded, hostile input or not
    this.warned.add(key);
    this.onWarning(message, cause);
  }
}
