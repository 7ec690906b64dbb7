/**
 * Keeps a link to every paired peer that is online: dials it where the LAN
 * says it is, where its node said it listens (node hello), or where we last
 * reached it; retries with exponential backoff and jitter; starts over at
 * once when the peer shows up on the LAN or a link with it closes. Links the
 * peer dials count too: a peer with any open link is online, and is not
 * dialled. Of two nodes that find each other at once, the one with the
 * greater device ID waits a moment, so usually only one link is made.
 */
import { EventEmitter } from "node:events";
import { hasCode, WalkieError } from "../../errors.js";
import type { Link } from "../../link/index.js";
import { parseAddress } from "../../transport/index.js";
import type { NodeDialOptions } from "../node.js";
import type { PairedPeer, PeerStore } from "../peer-store.js";
import { backoffDelay } from "./backoff.js";

/** What the keeper needs of a node. */
export interface KeeperNode {
  readonly id: string;
  readonly peers: PeerStore;
  links(): Link[];
  dial(options: NodeDialOptions): Promise<Link>;
}

export interface PeerKeeperOptions {
  /** Where the LAN announces a device now. @default nowhere */
  lanAddresses?: (deviceId: string) => string[];
  /** First retry delay. @default 1000 */
  minDelayMs?: number;
  /** Longest retry delay. @default 60000 */
  maxDelayMs?: number;
  /** Per address: connecting and the handshake. @default 5000 */
  dialTimeoutMs?: number;
  /** Extra wait of the side with the greater device ID. @default 2000 */
  yieldMs?: number;
}

/** A paired peer as the keeper sees it. */
export interface KeptPeer {
  id: string;
  name: string;
  online: boolean;
  /** Failed dials since the last link. */
  failures: number;
  /** When the next dial is due (ms since the epoch), or null. */
  nextDialAt: number | null;
  lastError: { code: string; message: string } | null;
}

export interface PeerKeeperEvents {
  /** A dial finished: its duration, and the error if it failed. */
  dial: [peerId: string, durationMs: number, err: unknown];
  /** A peer's state changed (online, offline, a failed dial). */
  change: [peer: KeptPeer];
}

interface Entry {
  peer: PairedPeer;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  nextDialAt: number | null;
  dialing: boolean;
  lastError: { code: string; message: string } | null;
}

/** At most this many remembered hello addresses (one per peer that linked). */
const MAX_HELLO_ADDRESSES = 10_000;

export class PeerKeeper extends EventEmitter<PeerKeeperEvents> {
  private readonly entries = new Map<string, Entry>();
  private readonly helloAddresses = new Map<string, string>();
  /** Links on which the peer's node said hello. */
  private readonly nodeLinks = new WeakSet<Link>();
  private stopped = false;

  constructor(
    private readonly node: KeeperNode,
    private readonly options: PeerKeeperOptions = {},
  ) {
    super();
  }

  /** Re-reads the paired peers: dials new ones, forgets (and unlinks) removed ones. */
  async sync(): Promise<void> {
    const peers = await this.node.peers.list();
    if (this.stopped) return;
    const ids = new Set(peers.map((peer) => peer.id));
    for (const [id, entry] of this.entries) {
      if (ids.has(id)) continue;
      clearTimeout(entry.timer);
      this.entries.delete(id);
      for (const link of this.linksOf(id)) link.close().catch(() => {});
    }
    for (const peer of peers) {
      const entry = this.entries.get(peer.id);
      if (entry) {
        entry.peer = peer;
        continue;
      }
      const fresh: Entry = {
        peer,
        failures: 0,
        timer: undefined,
        nextDialAt: null,
        dialing: false,
        lastError: null,
      };
      this.entries.set(peer.id, fresh);
      this.schedule(fresh, this.yieldDelay(peer.id));
    }
  }

  /** Call with every link that comes up. */
  onLink(link: Link): void {
    const entry = this.entries.get(link.peer.id);
    link.once("close", () => {
      const current = this.entries.get(link.peer.id);
      if (current === undefined || this.stopped || this.isOnline(current.peer.id)) return;
      current.failures = 0;
      this.schedule(current, this.options.minDelayMs ?? 1_000);
      this.emit("change", this.describe(current));
    });
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    entry.nextDialAt = null;
    entry.failures = 0;
    entry.lastError = null;
    this.emit("change", this.describe(entry));
  }

  /** The peer's node listens at `address` (from its hello); remembered and dialled from now on. */
  noteAddress(peerId: string, address: string): void {
    if (this.helloAddresses.size >= MAX_HELLO_ADDRESSES && !this.helloAddresses.has(peerId)) {
      this.helloAddresses.delete(this.helloAddresses.keys().next().value!);
    }
    this.helloAddresses.set(peerId, address);
  }

  /**
   * The peer's node said hello on this link. Two running nodes that dialled
   * each other at once hold two links: of those (never a link of another
   * program with the same identity, which says no hello) both sides keep the
   * one dialled by the lesser device ID, and close the other gracefully.
   */
  helloOn(link: Link): void {
    this.nodeLinks.add(link);
    const both = this.linksOf(link.peer.id).filter((other) => this.nodeLinks.has(other));
    if (both.length < 2) return;
    const lesserIsSelf = this.node.id < link.peer.id;
    const rank = (other: Link) => (other.isInitiator === lesserIsSelf ? 0 : 1);
    const keep = [...both].sort((x, y) => rank(x) - rank(y) || x.openedAt - y.openedAt)[0];
    for (const other of both) if (other !== keep) other.close().catch(() => {});
  }

  /** The peer appeared on the LAN (or changed there): dial now if it has no link. */
  wake(peerId: string): void {
    const entry = this.entries.get(peerId);
    if (entry === undefined || this.isOnline(peerId)) return;
    entry.failures = 0;
    this.schedule(entry, this.yieldDelay(peerId));
  }

  /** Every paired peer, in pairing order. */
  list(): KeptPeer[] {
    return [...this.entries.values()].map((entry) => this.describe(entry));
  }

  /** The link to use with the peer: the one `helloOn` keeps, else the oldest open one. */
  linkFor(peerId: string): Link | undefined {
    const links = this.linksOf(peerId);
    if (links.length < 2) return links[0];
    const lesserIsSelf = this.node.id < peerId;
    const rank = (link: Link) =>
      (this.nodeLinks.has(link) ? 0 : 2) + (link.isInitiator === lesserIsSelf ? 0 : 1);
    return [...links].sort((x, y) => rank(x) - rank(y) || x.openedAt - y.openedAt)[0];
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
  }

  private linksOf(peerId: string): Link[] {
    return this.node.links().filter((link) => link.peer.id === peerId && !link.closed);
  }

  private isOnline(peerId: string): boolean {
    return this.linksOf(peerId).length > 0;
  }

  private yieldDelay(peerId: string): number {
    return this.node.id < peerId ? 0 : (this.options.yieldMs ?? 2_000);
  }

  private schedule(entry: Entry, delayMs: number): void {
    clearTimeout(entry.timer);
    if (this.stopped) return;
    entry.nextDialAt = Date.now() + delayMs;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.attempt(entry).catch(() => {});
    }, delayMs);
    entry.timer.unref();
  }

  private async attempt(entry: Entry): Promise<void> {
    const id = entry.peer.id;
    if (this.stopped || entry.dialing || this.isOnline(id) || this.entries.get(id) !== entry) {
      entry.nextDialAt = null;
      return;
    }
    const targets = this.targets(entry.peer);
    if (targets.length === 0) {
      // Nowhere to dial: wait quietly for the LAN or a hello (nothing to log each time).
      this.failed(
        entry,
        new WalkieError(
          "ERR_PEER_UNREACHABLE",
          `${entry.peer.name} is not on the LAN and no address is known`,
        ),
      );
      return;
    }
    entry.dialing = true;
    entry.nextDialAt = null;
    const started = performance.now();
    let failure: unknown;
    try {
      for (const target of targets) {
        if (this.stopped || this.isOnline(id)) return;
        try {
          const { host, port } = parseAddress(target);
          const timeoutMs = this.options.dialTimeoutMs ?? 5_000;
          await this.node.dial({ host, port, peer: id, timeoutMs });
          this.emit("dial", id, performance.now() - started, undefined);
          return; // onLink takes it from here
        } catch (err: unknown) {
          failure = err;
          if (hasCode(err, "ERR_PEER_REFUSED_US")) break; // it no longer pairs with us
        }
      }
    } finally {
      entry.dialing = false;
    }
    this.emit("dial", id, performance.now() - started, failure);
    this.failed(entry, failure);
  }

  private failed(entry: Entry, err: unknown): void {
    entry.failures++;
    entry.lastError = describe(err);
    this.schedule(entry, backoffDelay(entry.failures, this.options));
    this.emit("change", this.describe(entry));
  }

  /** Where to dial the peer: its hello address, the LAN, then its last addresses. */
  private targets(peer: PairedPeer): string[] {
    const hello = this.helloAddresses.get(peer.id);
    const lan = this.options.lanAddresses?.(peer.id) ?? [];
    return [...new Set([...(hello ? [hello] : []), ...lan, ...peer.addresses])];
  }

  private describe(entry: Entry): KeptPeer {
    return {
      id: entry.peer.id,
      name: entry.peer.name,
      online: this.isOnline(entry.peer.id),
      failures: entry.failures,
      nextDialAt: entry.nextDialAt,
      lastError: entry.lastError,
    };
  }
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof WalkieError) return { code: err.code, message: err.message };
  return { code: "ERR_INTERNAL", message: err instanceof Error ? err.message : String(err) };
}
