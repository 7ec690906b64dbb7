/**
 * The peer store: the devices this one has paired with, in
 * `<stateDir>/peers.json` (mode 0600): name, public key, device ID, when
 * paired, when and where last seen. Every read parses and checks the whole
 * file, so a change by another process (a pairing, an unpair) counts at
 * once; every change is a read-modify-write replaced atomically, under a
 * lock (`peers.json.lock`, util/file-lock.ts) so that two processes on one
 * home (`walkie up` and a `walkie unpair`, say) never lose each other's
 * change. A file that does not parse is an error (ERR_PEER_STORE), never a
 * silent reset.
 *
 * A node holding many links reads and notes links often: a file that has not
 * changed since it was last parsed (same inode, size and mtime) is not parsed
 * and checked again, and the "seen" notes that arrive while a change is
 * queued go into that one write.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { deviceIdFromPublicKey } from "../crypto/device-id.js";
import { ConfigError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { FileLockTimeout, withFileLock } from "../util/file-lock.js";

/** A paired device. Times are ISO 8601 strings. */
export interface PairedPeer {
  /** Device ID (with check characters), derived from `publicKey`. */
  readonly id: string;
  /** The name it gave itself when we paired. */
  readonly name: string;
  /** Its static X25519 public key: the only thing trusted. */
  readonly publicKey: Buffer;
  /** When it was first paired (pairing the same key again keeps this). */
  readonly pairedAt: string;
  /** When a link with it last came up, or null. */
  readonly lastSeenAt: string | null;
  /** The remote address of that last link (either direction), or null. */
  readonly lastSeenFrom: string | null;
  /** HOST:PORT where we last reached it by dialling, newest first. */
  readonly addresses: readonly string[];
}

/** What a new pairing records. */
export interface NewPeer {
  name: string;
  publicKey: Buffer;
  /** Where we reached it (a dialable HOST:PORT), if we dialled. */
  dialed?: string;
  /** The remote address of the pairing link. */
  from?: string;
}

const FILE_NAME = "peers.json";
const VERSION = 1;
const MAX_ADDRESSES = 5;
const MAX_PEERS = 10_000;

interface PeerRecord {
  id: string;
  name: string;
  publicKey: string;
  pairedAt: string;
  lastSeenAt: string | null;
  lastSeenFrom: string | null;
  addresses: string[];
}

/** Where and when a link with a peer was seen, waiting to be written. */
interface SeenNote {
  at: string;
  from?: string;
  dialed?: string;
}

/** The peers.json of one state folder. */
export class PeerStore {
  /** Changes from this process, one at a time (other processes wait on the file lock). */
  private queue: Promise<unknown> = Promise.resolve();
  /** The records as last read or written, with the file version they came from. */
  private cache: { version: string; records: PeerRecord[] } | undefined;
  /** Seen notes not yet written, and the queued change that will write them. */
  private seen: { notes: Map<string, SeenNote>; written: Promise<void> } | undefined;

  constructor(readonly path: string) {}

  /** The store of the state folder `home`. */
  static inHome(home: string): PeerStore {
    return new PeerStore(join(home, FILE_NAME));
  }

  /** Every paired peer, oldest pairing first. @throws ConfigError ERR_PEER_STORE */
  async list(): Promise<PairedPeer[]> {
    return (await this.read()).map(toPeer);
  }

  /** The peer with this exact device ID, if paired. */
  async get(id: string): Promise<PairedPeer | undefined> {
    return (await this.list()).find((peer) => peer.id === id);
  }

  /** Stores a newly paired peer (again, if it was already: a fresh pairing replaces the old). */
  add(peer: NewPeer): Promise<PairedPeer> {
    const id = deviceIdFromPublicKey(peer.publicKey);
    const now = new Date().toISOString();
    return this.change((records) => {
      const old = records.find((record) => record.id === id);
      const record: PeerRecord = {
        id,
        name: peer.name,
        publicKey: peer.publicKey.toString("base64"),
        pairedAt: old?.pairedAt ?? now,
        lastSeenAt: now,
        lastSeenFrom: peer.from ?? peer.dialed ?? null,
        addresses: withAddress(old?.addresses ?? [], peer.dialed),
      };
      const rest = records.filter((other) => other.id !== id);
      if (rest.length >= MAX_PEERS) {
        throw new ConfigError("ERR_PEER_STORE", `${this.path}: too many peers (${MAX_PEERS})`);
      }
      return { records: [...rest, record], value: toPeer(record) };
    });
  }

  /** Forgets a peer; resolves with it, or undefined if it was not paired. */
  remove(id: string): Promise<PairedPeer | undefined> {
    return this.change((records) => {
      const gone = records.find((record) => record.id === id);
      return { records: records.filter((record) => record.id !== id), value: gone && toPeer(gone) };
    });
  }

  /** Notes a link with a paired peer (nothing happens for others). */
  markSeen(id: string, seen: { from?: string; dialed?: string }): Promise<void> {
    const note: SeenNote = { at: new Date().toISOString(), ...seen };
    if (this.seen !== undefined) {
      const earlier = this.seen.notes.get(id);
      this.seen.notes.set(id, { ...earlier, ...note, dialed: seen.dialed ?? earlier?.dialed });
      return this.seen.written;
    }
    const notes = new Map([[id, note]]);
    const written = this.change((records) => {
      if (this.seen?.notes === notes) this.seen = undefined; // later notes start a new write
      let changed = false;
      for (const [peerId, { at, from, dialed }] of notes) {
        const record = records.find((candidate) => candidate.id === peerId);
        if (!record) continue;
        record.lastSeenAt = at;
        record.lastSeenFrom = from ?? dialed ?? record.lastSeenFrom;
        record.addresses = withAddress(record.addresses, dialed);
        changed = true;
      }
      return { records: changed ? records : undefined, value: undefined };
    });
    this.seen = { notes, written };
    return written;
  }

  /** Resolves once the changes queued so far are written. */
  async idle(): Promise<void> {
    await this.queue.catch(() => {});
  }

  private change<T>(
    apply: (records: PeerRecord[]) => { records: PeerRecord[] | undefined; value: T },
  ): Promise<T> {
    const run = this.queue.then(() =>
      this.locked(async () => {
        const { records, value } = apply(await this.read());
        if (records) await this.write(records);
        return value;
      }),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  /** Runs `work` under the store's cross-process lock. @throws ConfigError ERR_PEER_STORE */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    try {
      return await withFileLock(this.path, work);
    } catch (err: unknown) {
      if (!(err instanceof FileLockTimeout)) throw err;
      throw new ConfigError(
        "ERR_PEER_STORE",
        `the peer store ${this.path} stays locked by another process (${err.lockPath})`,
        { cause: err },
      );
    }
  }

  private async read(): Promise<PeerRecord[]> {
    let text: string;
    let version: string;
    try {
      version = await this.version();
      if (this.cache?.version === version) return copyRecords(this.cache.records);
      text = await readFile(this.path, "utf8");
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new ConfigError("ERR_PEER_STORE", `cannot read the peer store ${this.path}`, {
        cause: err,
      });
    }
    const records = parseStore(text, this.path);
    // If the file changed between stat and read, the next stat differs and it is read again.
    this.cache = { version, records: copyRecords(records) };
    return records;
  }

  private async write(records: PeerRecord[]): Promise<void> {
    const file = { version: VERSION, peers: records };
    // Not cached as written: another process may replace the file right after us.
    this.cache = undefined;
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  }

  /** Identifies one content of the file: a replacement is a new inode, an edit a new mtime. */
  private async version(): Promise<string> {
    const info = await stat(this.path, { bigint: true });
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;
  }
}

function copyRecords(records: readonly PeerRecord[]): PeerRecord[] {
  return records.map((record) => ({ ...record, addresses: [...record.addresses] }));
}

function withAddress(addresses: readonly string[], address: string | undefined): string[] {
  if (address === undefined) return [...addresses];
  return [address, ...addresses.filter((other) => other !== address)].slice(0, MAX_ADDRESSES);
}

function toPeer(record: PeerRecord): PairedPeer {
  return {
    ...record,
    publicKey: Buffer.from(record.publicKey, "base64"),
    addresses: [...record.addresses],
  };
}

/** Checks every field; any doubt is ERR_PEER_STORE naming the file, the peer and the field. */
function parseStore(text: string, path: string): PeerRecord[] {
  const corrupt = (detail: string, cause?: unknown) =>
    new ConfigError(
      "ERR_PEER_STORE",
      `the peer store ${path} is damaged (${detail}); fix or move it away, it is never reset on its own`,
      { cause },
    );
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (err: unknown) {
    throw corrupt("not valid JSON", err);
  }
  const { version, peers } = (file ?? {}) as { version?: unknown; peers?: unknown };
  if (version !== VERSION) throw corrupt(`version ${String(version)}, expected ${VERSION}`);
  if (!Array.isArray(peers) || peers.length > MAX_PEERS) throw corrupt("no list of peers");
  const seen = new Set<string>();
  return peers.map((entry: unknown, index) => {
    const record = checkRecord(entry);
    if (typeof record === "string") throw corrupt(`peer ${index + 1}: ${record}`);
    if (seen.has(record.id)) throw corrupt(`peer ${index + 1}: ${record.id} twice`);
    seen.add(record.id);
    return record;
  });
}

const isText = (value: unknown, max = 256): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= max;
const isTime = (value: unknown): value is string =>
  isText(value, 40) && !Number.isNaN(Date.parse(value));

/** The record, or what is wrong with it. */
function checkRecord(entry: unknown): PeerRecord | string {
  if (typeof entry !== "object" || entry === null) return "not an object";
  const r = entry as Record<string, unknown>;
  if (!isText(r.name, 64) || /[\u0000-\u001f\u007f]/.test(r.name)) return "bad name";
  if (!isText(r.publicKey, 64)) return "no public key";
  const key = Buffer.from(r.publicKey, "base64");
  if (key.length !== 32 || key.toString("base64") !== r.publicKey) return "bad public key";
  if (r.id !== deviceIdFromPublicKey(key)) return "device ID does not match the public key";
  if (!isTime(r.pairedAt)) return "bad pairedAt";
  if (r.lastSeenAt !== null && !isTime(r.lastSeenAt)) return "bad lastSeenAt";
  if (r.lastSeenFrom !== null && !isText(r.lastSeenFrom, 300)) return "bad lastSeenFrom";
  const addresses = r.addresses;
  if (!Array.isArray(addresses) || addresses.length > MAX_ADDRESSES) return "bad addresses";
  if (!addresses.every((address) => isText(address, 300))) return "bad address";
  return {
    id: r.id,
    name: r.name,
    publicKey: r.publicKey,
    pairedAt: r.pairedAt,
    lastSeenAt: r.lastSeenAt,
    lastSeenFrom: r.lastSeenFrom,
    addresses: addresses as string[],
  };
}
