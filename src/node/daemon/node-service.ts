/**
 * A long-running node (`walkie up`): holds the run file, listens and
 * announces on the LAN, keeps links to the paired peers that are online,
 * pairs by code, samples stats for the charts, logs, counts metrics, and
 * shuts down cleanly (goodbye on mDNS, GOAWAY on every link). Faces (the
 * control API, the web UI, the terminal) read its state and its events.
 */
import { EventEmitter } from "node:events";
import type { Link } from "../../link/index.js";
import type { ChatMessage } from "../../services/chat/index.js";
import { type ForwardEvent, formatTarget } from "../../services/forward/index.js";
import { lanShortId } from "../lan.js";
import type { NodeListener, WalkieNode } from "../node.js";
import type { PairingResult, PairJoinOptions } from "../pairing.js";
import { ChatFront } from "./chat-front.js";
import { FilesFront } from "./files-front.js";
import { LanWatch } from "./lan-watch.js";
import { LogBook, type LogEntry } from "./log-book.js";
import { Monitor, plainAddress, type Tick } from "./monitor.js";
import { NODE_HELLO_SERVICE, receiveHello, sendHello } from "./node-hello.js";
import { NodeMetrics } from "./node-metrics.js";
import { PairingDesk, type PairingState } from "./pairing-desk.js";
import { PeerKeeper, type PeerKeeperOptions } from "./peer-keeper.js";
import { buildPeersView, type PeersView } from "./peer-views.js";
import { PipeDesk } from "./pipe-desk.js";
import type { TransferView } from "./transfer-record.js";

export interface NodeServiceOptions {
  /** @default "::" (every interface) */
  host?: string;
  /** Folder for received files. @default the config's inbox, else ~/Downloads/Walkie */
  inbox?: string;
  /** Targets paired peers may forward to (`host:port[/tcp|/udp]`). @default the config's allowForward */
  allowForward?: readonly string[];
  /** Reconnection timing. @default see PeerKeeperOptions */
  keeper?: Omit<PeerKeeperOptions, "lanAddresses">;
  /** Stats sampling period. @default 1000 */
  sampleMs?: number;
}

/** Events for the faces, as JSON. */
export type NodeEvent =
  | { type: "tick"; tick: Tick }
  | { type: "log"; entry: LogEntry }
  | { type: "peers"; peers: PeersView }
  | { type: "pairing"; pairing: PairingState }
  | { type: "chat"; message: ChatMessage }
  | { type: "transfer"; transfer: TransferView }
  | { type: "transfers"; transfers: TransferView[] }
  | { type: "shutdown" };

export interface NodeStatus {
  node: {
    id: string;
    name: string;
    pid: number;
    startedAt: string;
    uptimeS: number;
    port: number;
    discovery: boolean;
  };
  totals: { links: number; streams: number; rateIn: number; rateOut: number };
  links: Tick["links"];
  peers: PeersView;
  pairing: PairingState;
  transfers: TransferView[];
  inbox: string | null;
}

export class NodeService extends EventEmitter<{ event: [event: NodeEvent] }> {
  readonly log = new LogBook();
  readonly monitor: Monitor;
  readonly metrics: NodeMetrics;
  readonly keeper: PeerKeeper;
  readonly pairing: PairingDesk;
  readonly files: FilesFront;
  readonly chat: ChatFront;
  readonly pipes: PipeDesk;
  readonly startedAt = new Date();
  private readonly lan: LanWatch | undefined;
  private listener: NodeListener | undefined;
  private peersTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly node: WalkieNode,
    private readonly options: NodeServiceOptions = {},
  ) {
    super();
    this.lan = node.discovery
      ? new LanWatch(node, (err) => this.log.problem("warn", err, { context: "LAN discovery" }))
      : undefined;
    this.keeper = new PeerKeeper(node, {
      ...options.keeper,
      lanAddresses: (id) => this.lan?.addressesOf(id) ?? [],
    });
    this.monitor = new Monitor(node, { intervalMs: options.sampleMs });
    this.metrics = new NodeMetrics({
      links: () => node.links(),
      activeTransfers: () => this.files.activeCount(),
      log: this.log,
    });
    this.pairing = new PairingDesk(node);
    this.files = new FilesFront(node, {
      log: this.log,
      metrics: this.metrics,
      linkFor: (peerId) => this.keeper.linkFor(peerId),
      onChange: (transfer) => this.emit("event", { type: "transfer", transfer }),
    });
    this.chat = new ChatFront(node, {
      metrics: this.metrics,
      onMessage: (message) => this.emit("event", { type: "chat", message }),
    });
    this.pipes = new PipeDesk(node, (peerId) => this.keeper.linkFor(peerId));
    this.wire();
  }

  /** The port peers link to (0 before `start`). */
  get port(): number {
    return this.listener?.port ?? 0;
  }

  /** Listens on `port` (@default 0, any free port), announces, starts keeping links. */
  async start(options: { port?: number } = {}): Promise<void> {
    const { host } = this.options;
    if (this.files.inbox === undefined) {
      const config = await this.files.start(this.options.inbox);
      const forwards = this.options.allowForward ?? config.allowForward;
      this.node.setAllowForward(forwards);
      if (forwards.length > 0) this.log.info(`peers may forward to ${forwards.join(", ")}`);
    }
    this.chat.start();
    this.listener = await this.node.listen({ host, port: options.port, announce: true });
    this.log.info(`listening on port ${this.listener.port} as ${this.node.name}`);
    this.monitor.start();
    await this.keeper.sync();
  }

  /** Everything `walkie status` shows. */
  async status(): Promise<NodeStatus> {
    const tick = this.monitor.latest();
    return {
      node: {
        id: this.node.id,
        name: this.node.name,
        pid: process.pid,
        startedAt: this.startedAt.toISOString(),
        uptimeS: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
        port: this.port,
        discovery: this.node.discovery,
      },
      totals: {
        links: tick.links.length,
        streams: tick.streams,
        rateIn: tick.rateIn,
        rateOut: tick.rateOut,
      },
      links: tick.links,
      peers: await this.peers(),
      pairing: this.pairing.state,
      transfers: this.files.list(),
      inbox: this.files.inbox ?? null,
    };
  }

  /** Paired peers and LAN devices, as faces show them. */
  async peers(): Promise<PeersView> {
    const paired = await this.node.peers.list();
    const links = this.monitor.current();
    const { autoAccept } = this.files.config.value;
    return buildPeersView(paired, this.keeper.list(), this.lan?.peers() ?? [], links, autoAccept);
  }

  /** Pairs with the device showing `code`; links with it afterwards. */
  pairJoin(options: PairJoinOptions): Promise<PairingResult> {
    return this.pairing.join(options);
  }

  /** Forgets a paired peer and closes its links. */
  async unpair(id: string): Promise<boolean> {
    const gone = await this.node.peers.remove(id);
    if (gone === undefined) return false;
    await this.keeper.sync();
    this.monitor.forget(id);
    if (this.files.inbox !== undefined) this.files.desk.peerUnpaired(id);
    this.log.info(`unpaired ${gone.name}`, { peerId: id });
    this.peersChanged();
    return true;
  }

  /** Clean shutdown: stop dialling and pairing, GOAWAY every link, goodbye on mDNS. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.log.info("shutting down");
      this.emit("event", { type: "shutdown" });
      this.keeper.stop();
      this.monitor.stop();
      clearTimeout(this.peersTimer);
      await this.pairing.cancel().catch(() => {});
      await this.files.close();
      await Promise.all([this.node.close(), this.lan?.stop()]);
      await this.files.flush();
    })();
    return this.closing;
  }

  private wire(): void {
    const { node, log } = this;
    node.handle(NODE_HELLO_SERVICE, (stream, link) =>
      receiveHello(stream, link, (address) => {
        this.keeper.noteAddress(link.peer.id, address);
        this.keeper.helloOn(link);
        node.peers.markSeen(link.peer.id, { dialed: address }).catch(() => {});
      }),
    );
    node.on("link", (link: Link) => this.onLink(link));
    node.on("link-error", (err: unknown, address: string) => {
      this.metrics.handshakeFailed(err);
      log.problem("warn", err, { context: `incoming connection from ${address}` });
    });
    node.on("warning", (err: unknown) => log.problem("warn", err));
    node.on("forward", (event: ForwardEvent) => {
      const target = event.target ? formatTarget(event.target) : "?";
      const context = `forward for ${event.peer} to ${target}`;
      if (event.type === "error") log.problem("warn", event.error, { context });
      else log.info(`${context} ${event.type === "open" ? "opened" : "closed"}`);
    });
    this.keeper.on("dial", (peerId, ms, err) => {
      this.metrics.dialed(ms, err);
      if (err !== undefined) log.problem("warn", err, { peerId, context: "reconnect" });
    });
    this.keeper.on("change", () => this.peersChanged());
    this.lan?.on("change", (found, kind) => {
      const paired = this.keeper.list().find((peer) => lanShortId(peer.id) === found.shortId);
      if (paired && kind !== "down") this.keeper.wake(paired.id);
      this.peersChanged();
    });
    this.monitor.on("tick", (tick) => {
      this.metrics.tick(tick);
      this.emit("event", { type: "tick", tick });
      const moving = this.files.inbox === undefined ? [] : this.files.desk.tick();
      if (moving.length > 0) this.emit("event", { type: "transfers", transfers: moving });
    });
    log.on("entry", (entry) => this.emit("event", { type: "log", entry }));
    this.pairing.on("change", (pairing) => {
      this.emit("event", { type: "pairing", pairing });
      if (pairing.state === "failed") log.info(`pairing failed: ${pairing.message}`);
    });
    this.pairing.on("paired", (result) => {
      log.info(`paired with ${result.name} (check ${result.sas})`, { peerId: result.id });
      this.keeper.sync().then(
        () => this.peersChanged(),
        (err: unknown) => log.problem("error", err),
      );
    });
  }

  private onLink(link: Link): void {
    this.metrics.linkUp(link);
    this.keeper.onLink(link);
    if (this.files.inbox !== undefined) this.files.desk.peerOnline(link.peer.id);
    if (this.port > 0) sendHello(link, this.port);
    // The side that answered pings at once; the dialler gets its first RTT here, not in 15 s.
    if (link.isInitiator) link.ping().catch(() => {});
    const peerId = link.peer.id;
    const where = link.remoteAddress ? ` (${plainAddress(link.remoteAddress)})` : "";
    this.log.info(`link up with ${link.peer.name}${where}`, { peerId });
    link.once("close", (err?: Error) => {
      if (err) this.log.problem("warn", err, { peerId, context: `link with ${link.peer.name}` });
      else this.log.info(`link closed with ${link.peer.name}`, { peerId });
      this.peersChanged();
    });
    this.peersChanged();
  }

  /** Sends a fresh peers view, at most a few times a second. */
  peersChanged(): void {
    if (this.peersTimer !== undefined || this.closing) return;
    this.peersTimer = setTimeout(() => {
      this.peersTimer = undefined;
      this.peers().then(
        (peers) => this.emit("event", { type: "peers", peers }),
        (err: unknown) => this.log.problem("error", err),
      );
    }, 250);
    this.peersTimer.unref();
  }
}
