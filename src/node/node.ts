/**
 * The Node: one device's identity, its paired peers, its listeners and
 * links, and the handlers for services that peers open. The CLI and the web
 * UI are thin layers over this. Pairing, dialling a peer by name and LAN
 * discovery live in their own files; this only delegates.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { DiscoveredPeer } from "../discovery/index.js";
import { LinkError, WalkieError } from "../errors.js";
import {
  type CodePurpose,
  type CodeSlot,
  type Link,
  type LinkMode,
  type LinkTimers,
  type MuxStream,
  upgrade,
} from "../link/index.js";
import { CHAT_SERVICE, ChatService } from "../services/chat/index.js";
import {
  allowForwardList,
  FORWARD_SERVICE,
  type ForwardPolicy,
  serveForward,
} from "../services/forward/index.js";
import {
  type NotifyHandler,
  type RequestHandler,
  RPC_SERVICE,
  RpcRegistry,
  type RpcServerOptions,
} from "../services/rpc/index.js";
import { dialTcp, formatAddress, listenTcp } from "../transport/index.js";
import { type DialPeerOptions, dialPairedPeer } from "./dial-peer.js";
import { type Identity, loadOrCreateIdentity } from "./identity.js";
import { announceOnLan, browseLan } from "./lan.js";
import {
  type PairingResult,
  type PairJoinOptions,
  type PairWaitOptions,
  type PairWaitSession,
  pairJoin,
  pairWait,
} from "./pairing.js";
import { PeerStore } from "./peer-store.js";
import { allowList, expectPeer, type PeerPolicy, pairedPolicy } from "./policy.js";
import { defaultStateDir } from "./state-dir.js";

export interface NodeOptions extends LinkTimers {
  /** State folder (identity, peers). @default WALKIE_HOME or the platform config dir */
  home?: string;
  /** Device name; saved to the identity when given. @default the stored name, else the host name */
  name?: string;
  /** @default 10000 */
  handshakeTimeoutMs?: number;
  /** Unfinished incoming handshakes allowed at once, per listener. @default 64 */
  maxPendingHandshakes?: number;
  /** Per-stream receive window in bytes. @default 1 MiB */
  receiveWindow?: number;
  /** Use mDNS to announce and find devices on the LAN. @default true */
  discovery?: boolean;
  /** Limits of the rpc handlers (`onRequest`, `onNotify`). @default see RpcServerOptions */
  rpc?: Omit<RpcServerOptions, "onError">;
  /**
   * Targets linked peers may reach through forwards: `HOST:PORT` (TCP and
   * UDP), `HOST:PORT/tcp` or `HOST:PORT/udp`, or a policy function.
   * @default [] (nothing)
   */
  allowForward?: readonly string[] | ForwardPolicy;
}

export interface NodeListenOptions {
  /** @default "::" (every interface) */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** Device IDs allowed to link, or a policy function. @default the paired peers */
  allow?: readonly string[] | PeerPolicy;
  /** Announce this listener on the LAN over mDNS (if discovery is on). @default false */
  announce?: boolean;
}

export interface NodeDialOptions {
  host: string;
  port: number;
  /** The device ID expected to answer; anyone else is refused. @default any paired peer */
  peer?: string;
  /** Covers connecting and the handshake. @default 10000 */
  timeoutMs?: number;
}

export interface ConnectOptions {
  isInitiator: boolean;
  /** Initiator: expected device ID. Responder: allow list or policy. */
  verifyPeer: PeerPolicy;
  remoteAddress?: string;
  /** @default LinkMode.Known */
  mode?: LinkMode;
  /** Initiator in `LinkMode.Code`: the code's password scalar. */
  codeScalar?: Uint8Array | Promise<Uint8Array>;
  /** Responder in `LinkMode.Code`: the waiting code. */
  codeSlot?: CodeSlot;
  /** Initiator in `LinkMode.Code`: what the code is for. @default CodePurpose.Exchange */
  codePurpose?: CodePurpose;
}

/** A listening TCP endpoint of a node. */
export interface NodeListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export type StreamHandler = (stream: MuxStream, link: Link) => void;

/** Creates a node from its state folder, making the identity on first use. */
export async function createNode(options: NodeOptions = {}): Promise<WalkieNode> {
  const home = options.home ?? defaultStateDir();
  const identity = await loadOrCreateIdentity(home, { name: options.name });
  return new WalkieNode(home, identity, options);
}

/**
 * Events: `link` (Link) when a link is up; `link-error` (error, remote
 * address) when an incoming connection failed its handshake; `warning`
 * (error) for trouble that stops nothing (mDNS unavailable, a refused
 * pairing attempt, the peer store not updated, an rpc handler that failed,
 * a malformed chat message); `forward` (ForwardEvent) for each forward a
 * peer opened, closed or had refused.
 */
export class WalkieNode extends EventEmitter {
  /** The paired peers. */
  readonly peers: PeerStore;
  private readonly handlers = new Map<string, StreamHandler>();
  private readonly rpcHandlers: RpcRegistry;
  private forwardPolicy: ForwardPolicy = allowForwardList([]);
  private chatService: ChatService | undefined;
  private readonly activeLinks = new Set<Link>();
  private readonly closers = new Set<() => Promise<void>>();
  private closing = false;

  constructor(
    readonly home: string,
    private readonly identity: Identity,
    private readonly options: NodeOptions,
  ) {
    super();
    this.peers = PeerStore.inHome(home);
    this.rpcHandlers = new RpcRegistry({
      ...options.rpc,
      onError: (err) => this.emit("warning", err),
    });
    this.handle(RPC_SERVICE, (stream, link) => this.rpcHandlers.serve(stream, link));
    if (options.allowForward !== undefined) this.setAllowForward(options.allowForward);
    this.handle(FORWARD_SERVICE, (stream, link) =>
      serveForward(stream, link, {
        policy: (target, peer) => this.forwardPolicy(target, peer),
        onEvent: (event) => this.emit("forward", event),
      }),
    );
  }

  /**
   * Replaces the targets that linked peers may reach through forwards (see
   * `NodeOptions.allowForward`). Emits `forward` events (open, close, error).
   */
  setAllowForward(allow: readonly string[] | ForwardPolicy): this {
    this.forwardPolicy = typeof allow === "function" ? allow : allowForwardList(allow);
    return this;
  }

  /** Whether mDNS discovery is used. */
  get discovery(): boolean {
    return this.options.discovery ?? true;
  }

  /** This device's ID (with check characters). */
  get id(): string {
    return this.identity.id;
  }

  get name(): string {
    return this.identity.name;
  }

  get publicKey(): Buffer {
    return this.identity.keyPair.publicKey;
  }

  /** Serves `service` for streams the peers open. */
  handle(service: string, handler: StreamHandler): this {
    this.handlers.set(service, handler);
    return this;
  }

  /**
   * Answers rpc requests to `service` from any linked peer (call them with
   * `rpc(link).request`). What the handler returns is the answer; an
   * `RpcError` it throws reaches the caller with its code.
   */
  onRequest<Req = unknown, Res = unknown>(
    service: string,
    handler: RequestHandler<Req, Res>,
  ): this {
    this.rpcHandlers.onRequest(service, handler as RequestHandler);
    return this;
  }

  /** Handles rpc notifications to `service` (sent with `rpc(link).notify`). */
  onNotify<T = unknown>(service: string, handler: NotifyHandler<T>): this {
    this.rpcHandlers.onNotify(service, handler as NotifyHandler);
    return this;
  }

  /**
   * The chat service, started on first use: from then on the node takes chat
   * messages from linked peers, and sends queued ones whenever a link comes
   * up. History is kept in `<home>/chat/`. Its `warning` events are the node's.
   */
  get chat(): ChatService {
    if (this.chatService === undefined) {
      const chat = new ChatService({ dir: join(this.home, "chat") });
      this.chatService = chat;
      chat.on("warning", (err) => this.emit("warning", err));
      this.handle(CHAT_SERVICE, (stream, link) => chat.serve(stream, link));
      this.on("link", (link: Link) => chat.linkUp(link));
      for (const link of this.links()) chat.linkUp(link);
    }
    return this.chatService;
  }

  /** Links that are up now. */
  links(): Link[] {
    return [...this.activeLinks];
  }

  /** Accepts links over TCP from the allowed peers (by default, the paired ones). */
  async listen(options: NodeListenOptions = {}): Promise<NodeListener> {
    const { allow } = options;
    const policy =
      typeof allow === "function"
        ? allow
        : allow === undefined
          ? pairedPolicy(this.peers)
          : allowList(allow);
    const maxPending = this.options.maxPendingHandshakes ?? 64;
    let pending = 0;
    const listener = await listenTcp(
      { host: options.host, port: options.port },
      (socket: Socket) => {
        const remoteAddress = formatAddress(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
        if (pending >= maxPending || this.closing) {
          socket.destroy();
          this.emit(
            "link-error",
            new WalkieError("ERR_TOO_MANY_HANDSHAKES", "too many handshakes in progress"),
            remoteAddress,
          );
          return;
        }
        pending++;
        this.connect(socket, { isInitiator: false, verifyPeer: policy, remoteAddress })
          .catch((err: unknown) => this.emit("link-error", err, remoteAddress))
          .finally(() => pending--);
      },
    );
    const announcement =
      options.announce && this.discovery
        ? announceOnLan(this, listener.port, (err) => this.emit("warning", err))
        : undefined;
    const close = async () => {
      this.closers.delete(close);
      await Promise.all([listener.close(), announcement?.stop()]);
    };
    this.closers.add(close);
    return { host: listener.host, port: listener.port, close };
  }

  /** Links with a paired peer (name, device ID or unique prefix), found on the LAN or at its last address. */
  dialPeer(peer: string, options?: DialPeerOptions): Promise<Link> {
    return dialPairedPeer(this, peer, options);
  }

  /** Waits for another device to pair with a one-time code (see PairWaitSession). */
  pairWait(options?: PairWaitOptions): Promise<PairWaitSession> {
    return pairWait(this, options);
  }

  /** Pairs with the device waiting with `code`, found by its nameplate or at host:port. */
  pairJoin(options: PairJoinOptions): Promise<PairingResult> {
    return pairJoin(this, options);
  }

  /** The Walkie devices that answer on the LAN within `durationMs` (none if discovery is off). */
  async discoverLan(durationMs = 1_500): Promise<DiscoveredPeer[]> {
    return this.discovery ? browseLan(this, durationMs) : [];
  }

  /** Dials `host:port` and links if the expected peer answers. */
  async dial(options: NodeDialOptions): Promise<Link> {
    const policy = options.peer === undefined ? pairedPolicy(this.peers) : expectPeer(options.peer);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = await dialTcp({ host: options.host, port: options.port, timeoutMs });
    return this.connect(socket, {
      isInitiator: true,
      verifyPeer: policy,
      remoteAddress: formatAddress(options.host, options.port),
    });
  }

  /** Links over any connected duplex byte stream (a socket, stdio, a serial port). */
  async connect(transport: Duplex, options: ConnectOptions): Promise<Link> {
    const link = await upgrade(transport, {
      ...this.options,
      isInitiator: options.isInitiator,
      keyPair: this.identity.keyPair,
      name: this.identity.name,
      verifyPeer: options.verifyPeer,
      remoteAddress: options.remoteAddress,
      mode: options.mode,
      codeScalar: options.codeScalar,
      codeSlot: options.codeSlot,
      codePurpose: options.codePurpose,
      onStream: (stream, link) => this.dispatch(stream, link),
    });
    if (this.closing) {
      // Its handshake ended after close() took the list of links to close:
      // kept, it would outlive the node (and keep the peer linked to nothing).
      await link.close();
      throw new LinkError(
        "ERR_LINK_CLOSED",
        `this node is closing: the link with ${link.peer.name} was closed`,
      );
    }
    this.adopt(link);
    return link;
  }

  /** Closes listeners and every link gracefully. */
  async close(): Promise<void> {
    this.closing = true;
    // Links close alongside the listeners: a listener's close waits for its connections.
    await Promise.all([
      ...[...this.closers].map((close) => close()),
      ...this.links().map((link) => link.close()),
    ]);
    await this.peers.idle();
    await this.chatService?.close();
  }

  private dispatch(stream: MuxStream, link: Link): void {
    const handler = this.handlers.get(stream.service);
    if (handler === undefined) {
      stream.reset("ERR_UNKNOWN_SERVICE");
      return;
    }
    // A peer that vanishes must not crash a node whose handler forgot an
    // 'error' listener; the cause is still reported by the link's `close`.
    stream.on("error", ignoreStreamError);
    handler(stream, link);
  }

  private adopt(link: Link): void {
    // A link with a paired peer updates when (and, if we dialled, where) it was last seen.
    const where = link.remoteAddress;
    this.peers
      .markSeen(link.peer.id, link.isInitiator ? { dialed: where } : { from: where })
      .catch((err: unknown) => this.emit("warning", err));
    this.activeLinks.add(link);
    link.once("close", () => this.activeLinks.delete(link));
    this.emit("link", link);
  }
}

function ignoreStreamError(): void {}
