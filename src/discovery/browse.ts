/**
 * Browses `_walkie._tcp.local`: asks for the service's PTR records at
 * growing intervals (1 s doubling to 60 s, with known answers), keeps a
 * PeerCache, asks for what is missing or about to expire, and emits `up`,
 * `update` (e.g. a nameplate appeared) and `down` (goodbye or expiry).
 */
import { EventEmitter } from "node:events";
import { WalkieError } from "../errors.js";
import { CLASS_IN, RecordType } from "./dns-message.js";
import { type MdnsSocket, openMdnsSocket } from "./mdns-socket.js";
import { PeerCache, type PeerEvent } from "./peer-cache.js";
import { isValidNameplate } from "./txt.js";
import {
  type BrowserOptions,
  type DiscoveredPeer,
  type FindOptions,
  SERVICE_LABELS,
} from "./types.js";

export interface BrowserEvents {
  up: [peer: DiscoveredPeer];
  update: [peer: DiscoveredPeer, previous: DiscoveredPeer];
  down: [peer: DiscoveredPeer];
}

export interface Browser extends EventEmitter<BrowserEvents> {
  /** Devices seen now, sorted by name. */
  peers(): DiscoveredPeer[];
  /** Waits for a device announcing `nameplate`. @throws WalkieError ERR_DISCOVERY_TIMEOUT */
  findByNameplate(nameplate: number, options?: FindOptions): Promise<DiscoveredPeer>;
  /** Waits for the device with this short id. @throws WalkieError ERR_DISCOVERY_TIMEOUT */
  findById(shortId: string, options?: FindOptions): Promise<DiscoveredPeer>;
  /** Asks the LAN again now. */
  refresh(): void;
  /** Stops browsing; pending finds reject with ERR_DISCOVERY_STOPPED. */
  stop(): Promise<void>;
}

const SWEEP_MS = 1000;
const MAX_QUERY_INTERVAL_MS = 60_000;
const MAX_KNOWN_ANSWERS = 40; // keeps the query well under one packet
const DEFAULT_FIND_TIMEOUT_MS = 5000;

class ServiceBrowser extends EventEmitter<BrowserEvents> implements Browser {
  private socket: MdnsSocket | undefined;
  private readonly cache: PeerCache;
  private sweepTimer: NodeJS.Timeout | undefined;
  private nextQueryAt = 0;
  private queryInterval = SWEEP_MS;
  private stopped = false;
  private readonly aborts = new Set<(err: Error) => void>();

  constructor(private readonly options: BrowserOptions) {
    super();
    this.cache = new PeerCache(options.selfShortId, options.onWarning ?? (() => {}));
  }

  async start(): Promise<void> {
    this.socket = await openMdnsSocket({
      interface: this.options.interface,
      onWarning: this.options.onWarning ?? (() => {}),
      onMessage: ({ message }) => {
        if (!message.isResponse || this.stopped) return;
        this.emitAll(this.cache.apply([...message.answers, ...message.additionals], Date.now()));
      },
      onInterfacesAdded: () => this.refresh(),
    });
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    this.refresh();
  }

  peers(): DiscoveredPeer[] {
    return this.cache.peers();
  }

  refresh(): void {
    this.queryInterval = SWEEP_MS;
    this.nextQueryAt = 0;
    this.sweep();
  }

  private sweep(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.emitAll(this.cache.expire(now));
    const questions = this.cache.questions(now);
    let knownAnswers = this.cache.knownAnswers(now).slice(0, MAX_KNOWN_ANSWERS);
    if (now >= this.nextQueryAt) {
      questions.push({
        name: SERVICE_LABELS,
        qtype: RecordType.PTR,
        qclass: CLASS_IN,
        unicastResponse: false,
      });
      this.nextQueryAt = now + this.queryInterval;
      this.queryInterval = Math.min(this.queryInterval * 2, MAX_QUERY_INTERVAL_MS);
    } else {
      knownAnswers = [];
    }
    if (questions.length === 0) return;
    void this.socket?.multicast(() => ({ isResponse: false, questions, answers: knownAnswers }));
  }

  private emitAll(events: PeerEvent[]): void {
    for (const event of events) {
      if (event.type === "update") this.emit("update", event.peer, event.previous);
      else this.emit(event.type, event.peer);
    }
  }

  findByNameplate(nameplate: number, options?: FindOptions): Promise<DiscoveredPeer> {
    if (!isValidNameplate(nameplate)) {
      return Promise.reject(new WalkieError("ERR_BAD_NAMEPLATE", `bad nameplate ${nameplate}`));
    }
    return this.find((p) => p.nameplate === nameplate, `nameplate ${nameplate}`, options);
  }

  findById(shortId: string, options?: FindOptions): Promise<DiscoveredPeer> {
    const wanted = shortId.toLowerCase();
    return this.find((p) => p.shortId === wanted, `id ${shortId}`, options);
  }

  private find(
    matches: (peer: DiscoveredPeer) => boolean,
    what: string,
    options: FindOptions | undefined,
  ): Promise<DiscoveredPeer> {
    const found = this.peers().find(matches);
    if (found) return Promise.resolve(found);
    if (this.stopped) {
      return Promise.reject(new WalkieError("ERR_DISCOVERY_STOPPED", "the browser was stopped"));
    }
    const timeoutMs = options?.timeoutMs ?? DEFAULT_FIND_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const onPeer = (peer: DiscoveredPeer): void => {
        if (!matches(peer)) return;
        cleanup();
        resolve(peer);
      };
      const abort = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const timer = setTimeout(() => {
        abort(
          new WalkieError(
            "ERR_DISCOVERY_TIMEOUT",
            `no Walkie device with ${what} answered within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off("up", onPeer);
        this.off("update", onPeer);
        this.aborts.delete(abort);
      };
      this.on("up", onPeer);
      this.on("update", onPeer);
      this.aborts.add(abort);
      this.refresh();
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const abort of [...this.aborts]) {
      abort(new WalkieError("ERR_DISCOVERY_STOPPED", "the browser was stopped"));
    }
    await this.socket?.close();
  }
}

/**
 * Starts browsing for Walkie devices on the LAN.
 * @throws ConfigError ERR_MDNS_INTERFACE; WalkieError ERR_MDNS_SOCKET
 */
export async function createBrowser(options: BrowserOptions = {}): Promise<Browser> {
  const browser = new ServiceBrowser(options);
  await browser.start();
  return browser;
}
