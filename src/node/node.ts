/**
 * The Node: one device's identity, its listeners and links, and the
 * handlers for services that peers open. The CLI and the web UI are thin
 * layers over this.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WalkieError } from "../errors.js";
import { type Link, type LinkTimers, type MuxStream, upgrade } from "../link/index.js";
import { dialTcp, formatAddress, listenTcp, type TcpListener } from "../transport/index.js";
import { type Identity, loadOrCreateIdentity } from "./identity.js";
import { allowList, expectPeer, type PeerPolicy } from "./policy.js";
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
}

export interface NodeListenOptions {
  /** @default "::" (every interface) */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** Device IDs allowed to link, or a policy function. Without it nobody is allowed. */
  allow?: readonly string[] | PeerPolicy;
}

export interface NodeDialOptions {
  host: string;
  port: number;
  /** The device ID expected to answer; anyone else is refused. */
  peer: string;
  /** Covers connecting and the handshake. @default 10000 */
  timeoutMs?: number;
}

export interface ConnectOptions {
  isInitiator: boolean;
  /** Initiator: expected device ID. Responder: allow list or policy. */
  verifyPeer: PeerPolicy;
  remoteAddress?: string;
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
 * address) when an incoming connection failed its handshake.
 */
export class WalkieNode extends EventEmitter {
  private readonly handlers = new Map<string, StreamHandler>();
  private readonly activeLinks = new Set<Link>();
  private readonly tcpListeners = new Set<TcpListener>();
  private closing = false;

  constructor(
    readonly home: string,
    private readonly identity: Identity,
    private readonly options: NodeOptions,
  ) {
    super();
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

  /** Links that are up now. */
  links(): Link[] {
    return [...this.activeLinks];
  }

  /** Accepts links over TCP from the allowed peers. */
  async listen(options: NodeListenOptions = {}): Promise<NodeListener> {
    const policy =
      typeof options.allow === "function" ? options.allow : allowList(options.allow ?? []);
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
    this.tcpListeners.add(listener);
    return {
      host: listener.host,
      port: listener.port,
      close: async () => {
        this.tcpListeners.delete(listener);
        await listener.close();
      },
    };
  }

  /** Dials `host:port` and links if the expected peer answers. */
  async dial(options: NodeDialOptions): Promise<Link> {
    const policy = expectPeer(options.peer);
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
      onStream: (stream, link) => this.dispatch(stream, link),
    });
    this.adopt(link);
    return link;
  }

  /** Closes listeners and every link gracefully. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.tcpListeners].map((listener) => listener.close()));
    this.tcpListeners.clear();
    await Promise.all(this.links().map((link) => link.close()));
  }

  private dispatch(stream: MuxStream, link: Link): void {
    const handler = this.handlers.get(stream.service);
    if (handler === undefined) stream.reset("ERR_UNKNOWN_SERVICE");
    else handler(stream, link);
  }

  private adopt(link: Link): void {
    this.activeLinks.add(link);
    link.once("close", () => this.activeLinks.delete(link));
    this.emit("link", link);
  }
}
