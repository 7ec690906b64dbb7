/**
 * The calling side of forward: a local TCP listener or UDP socket whose
 * every connection (TCP) or sender (UDP) becomes a stream to the peer, which
 * connects it to the target. Many connections share one link; each has its
 * own stream and flow control, so none blocks another.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import { isIPv6, type Socket } from "node:net";
import { LinkError, WalkieError } from "../../errors.js";
import { type Link, type MuxStream, StreamResetError } from "../../link/index.js";
import { listenTcp } from "../../transport/index.js";
import { FORWARD_SERVICE, relayDatagrams } from "./serve.js";
import { splice } from "./splice.js";
import { encodeForwardRequest, type ForwardTarget, formatTarget } from "./target.js";

export interface ForwarderOptions {
  /** The link for a new connection; called for each, so it may redial after a drop. */
  link: () => Promise<Link>;
  /** Where the peer connects each forwarded connection. */
  target: ForwardTarget;
  /** Local address to listen on. @default "127.0.0.1" */
  host?: string;
  /** Local port. @default 0 (any free port) */
  port?: number;
  /** UDP: a sender quiet this long loses its session. @default 120000 */
  udpIdleMs?: number;
  /** UDP: senders with a session at once; datagrams from more are dropped. @default 128 */
  maxUdpSessions?: number;
  /** Connections opened and failures, for logs. @default ignore */
  onEvent?: (event: ForwarderEvent) => void;
}

export type ForwarderEvent =
  | { type: "open"; from: string }
  | { type: "close"; from: string }
  | { type: "error"; from: string; error: WalkieError };

/** A running local end of a forward. */
export interface Forwarder {
  readonly host: string;
  readonly port: number;
  /** Connections (TCP) or sender sessions (UDP) open now. */
  readonly active: number;
  /** Stops listening and ends every forwarded connection. */
  close(): Promise<void>;
}

/**
 * Asks the peer whether it allows `target`, connecting nothing.
 * @throws WalkieError ERR_FORWARD_NOT_ALLOWED (or the link's error)
 */
export async function checkForward(link: Link, target: ForwardTarget): Promise<void> {
  const stream = link.openStream(FORWARD_SERVICE, encodeForwardRequest({ ...target, check: true }));
  stream.end();
  stream.resume();
  await new Promise<void>((resolve, reject) => {
    stream.once("end", resolve);
    stream.once("error", (err) => reject(forwardError(err, target, link)));
  });
}

/** Starts forwarding a local port to `options.target` on the peer. */
export function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  return options.target.protocol === "tcp" ? startTcp(options) : startUdp(options);
}

async function startTcp(options: ForwarderOptions): Promise<Forwarder> {
  const report = options.onEvent ?? (() => {});
  const sockets = new Set<Socket>();
  const metadata = encodeForwardRequest({ ...options.target, check: false });
  const listener = await listenTcp(
    { host: options.host ?? "127.0.0.1", port: options.port ?? 0 },
    (socket) => {
      const from = `${socket.remoteAddress}:${socket.remotePort}`;
      sockets.add(socket);
      socket.once("close", () => {
        sockets.delete(socket);
        report({ type: "close", from });
      });
      // Until the stream exists, the socket's bytes wait in its buffer.
      socket.pause();
      options
        .link()
        .then((link) => {
          if (socket.destroyed) return;
          const stream = link.openStream(FORWARD_SERVICE, metadata);
          report({ type: "open", from });
          splice(socket, stream, (err) =>
            report({ type: "error", from, error: forwardError(err, options.target, link) }),
          );
          socket.resume();
        })
        .catch((err: unknown) => {
          socket.resetAndDestroy();
          report({ type: "error", from, error: forwardError(err, options.target, undefined) });
        });
    },
  );
  return {
    host: listener.host,
    port: listener.port,
    get active() {
      return sockets.size;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await listener.close();
    },
  };
}

interface UdpSession {
  from: string;
  /** Datagrams that came before the stream was open. */
  waiting: Buffer[] | undefined;
  relay: ReturnType<typeof relayDatagrams> | undefined;
}

/** How many datagrams a sender may have waiting while its stream opens. */
const MAX_WAITING_DATAGRAMS = 64;

async function startUdp(options: ForwarderOptions): Promise<Forwarder> {
  const report = options.onEvent ?? (() => {});
  const host = options.host ?? "127.0.0.1";
  const socket = createSocket({ type: isIPv6(host) ? "udp6" : "udp4" });
  const sessions = new Map<string, UdpSession>();
  const maxSessions = options.maxUdpSessions ?? 128;
  const metadata = encodeForwardRequest({ ...options.target, check: false });

  const open = (from: string, rinfo: RemoteInfo, first: Buffer): void => {
    const session: UdpSession = { from, waiting: [first], relay: undefined };
    sessions.set(from, session);
    const end = () => {
      if (sessions.get(from) === session) sessions.delete(from);
    };
    options
      .link()
      .then((link) => {
        if (sessions.get(from) !== session) return;
        const stream: MuxStream = link.openStream(FORWARD_SERVICE, metadata);
        report({ type: "open", from });
        stream.on("error", (err) =>
          report({ type: "error", from, error: forwardError(err, options.target, link) }),
        );
        session.relay = relayDatagrams(stream, undefined, options.udpIdleMs ?? 120_000, {
          send: (datagram) => socket.send(datagram, rinfo.port, rinfo.address),
          onClose: () => {
            end();
            report({ type: "close", from });
          },
          onError: () => {},
        });
        for (const datagram of session.waiting ?? []) session.relay.deliver(datagram);
        session.waiting = undefined;
      })
      .catch((err: unknown) => {
        end();
        report({ type: "error", from, error: forwardError(err, options.target, undefined) });
      });
  };

  socket.on("message", (datagram, rinfo) => {
    const from = `${rinfo.address}:${rinfo.port}`;
    const session = sessions.get(from);
    if (session?.relay) session.relay.deliver(datagram);
    else if (session?.waiting) {
      if (session.waiting.length < MAX_WAITING_DATAGRAMS) session.waiting.push(datagram);
    } else if (sessions.size < maxSessions) open(from, rinfo, datagram);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  // Later socket errors (an ICMP answer to a reply) stop nothing.
  socket.on("error", () => {});
  return {
    host,
    port: socket.address().port,
    get active() {
      return sessions.size;
    },
    close: async () => {
      for (const session of sessions.values()) session.relay?.close();
      sessions.clear();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/** The error to show for a forwarded connection that failed. */
export function forwardError(
  err: unknown,
  target: ForwardTarget,
  link: Link | undefined,
): WalkieError {
  const peer = link?.peer.name ?? "the peer";
  if (err instanceof StreamResetError) {
    const where = formatTarget(target);
    switch (err.remoteCode) {
      case "ERR_FORWARD_NOT_ALLOWED":
        return new WalkieError(
          "ERR_FORWARD_NOT_ALLOWED",
          `${peer} does not allow forwards to ${where} (it must list it with --allow-forward)`,
        );
      case "ERR_FORWARD_REFUSED":
        return new WalkieError(
          "ERR_FORWARD_REFUSED",
          `${where} refused the connection on ${peer}'s side`,
        );
      case "ERR_FORWARD_UNREACHABLE":
        return new WalkieError("ERR_FORWARD_UNREACHABLE", `${peer} cannot reach ${where}`);
      case "ERR_FORWARD_RESET":
        return new WalkieError(
          "ERR_FORWARD_RESET",
          `${where} dropped the connection on ${peer}'s side`,
        );
      case "ERR_UNKNOWN_SERVICE":
        return new WalkieError("ERR_FORWARD_NOT_ALLOWED", `${peer} does not serve forwards`);
      default:
        return new WalkieError(err.remoteCode, `${peer} ended the forward: ${err.remoteCode}`, {
          cause: err,
        });
    }
  }
  if (err instanceof WalkieError) return err;
  return new LinkError("ERR_FORWARD_RESET", `the local connection failed: ${String(err)}`, {
    cause: err,
  });
}
