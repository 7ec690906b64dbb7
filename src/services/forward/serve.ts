/**
 * The answering side of forward: for each stream a peer opens, check the
 * target against the policy, then connect it (TCP) or relay datagrams to it
 * (UDP). Forward is the one service whose job is sockets: it gets TCP from
 * transport/ and UDP from node:dgram; everything else is streams.
 */

import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { WalkieError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { dialTcp } from "../../transport/index.js";
import { frameMessage, MessageSplitter } from "../message-framing.js";
import { splice } from "./splice.js";
import {
  decodeForwardRequest,
  type ForwardPolicy,
  type ForwardRequest,
  type ForwardTarget,
  formatTarget,
} from "./target.js";

/** Mux service name of forward streams. */
export const FORWARD_SERVICE = "forward";
/** Largest datagram carried (the UDP payload limit). */
export const MAX_DATAGRAM = 65_535;
/** Bytes queued on a UDP session's stream beyond which datagrams are dropped, as a full router would. */
export const MAX_UDP_QUEUE = 256 * 1024;

export interface ForwardServeOptions {
  /** Who may reach what. */
  policy: ForwardPolicy;
  /** Connect timeout for TCP targets. @default 10000 */
  connectTimeoutMs?: number;
  /** A UDP session with no datagram either way for this long ends. @default 120000 */
  udpIdleMs?: number;
  /** Forwards opened, refused and failed, for logs. @default ignore */
  onEvent?: (event: ForwardEvent) => void;
}

/** What happened to a forwarded connection, for logs and status. */
export type ForwardEvent =
  | { type: "open"; target: ForwardTarget; peer: string }
  | { type: "close"; target: ForwardTarget; peer: string }
  | { type: "error"; target: ForwardTarget | undefined; peer: string; error: WalkieError };

/** Serves one forward stream the peer opened. */
export function serveForward(stream: MuxStream, link: Link, options: ForwardServeOptions): void {
  const report = options.onEvent ?? (() => {});
  const peer = link.peer.name;
  let request: ForwardRequest;
  try {
    request = decodeForwardRequest(stream.metadata);
    options.policy(request, link.peer);
  } catch (err: unknown) {
    const error = asWalkieError(err, "ERR_FORWARD_INVALID");
    stream.reset(error.code);
    report({ type: "error", target: undefined, peer, error });
    return;
  }
  if (request.check) {
    // Only a question: allowed, since we got here.
    stream.resume();
    stream.end();
    return;
  }
  const target: ForwardTarget = {
    protocol: request.protocol,
    host: request.host,
    port: request.port,
  };
  const fail = (err: unknown) => {
    const error = asWalkieError(err, "ERR_FORWARD_UNREACHABLE");
    if (!stream.destroyed) stream.reset(error.code);
    report({ type: "error", target, peer, error });
  };
  const run = target.protocol === "tcp" ? forwardTcp : forwardUdp;
  run(stream, target, options, () => report({ type: "close", target, peer }), fail).then(
    () => report({ type: "open", target, peer }),
    fail,
  );
}

async function forwardTcp(
  stream: MuxStream,
  target: ForwardTarget,
  options: ForwardServeOptions,
  onClose: () => void,
  fail: (err: unknown) => void,
): Promise<void> {
  let socket: Awaited<ReturnType<typeof dialTcp>>;
  try {
    socket = await dialTcp({
      host: target.host,
      port: target.port,
      timeoutMs: options.connectTimeoutMs ?? 10_000,
    });
  } catch (err: unknown) {
    throw connectError(err, target);
  }
  if (stream.destroyed) {
    socket.destroy();
    return;
  }
  socket.once("close", onClose);
  splice(socket, stream, (err, side) => {
    // A reset from our peer is its business; the target failing is ours to report.
    if (side === "socket") {
      fail(
        new WalkieError("ERR_FORWARD_RESET", `${formatTarget(target)} dropped the connection`, {
          cause: err,
        }),
      );
    }
  });
}

async function forwardUdp(
  stream: MuxStream,
  target: ForwardTarget,
  options: ForwardServeOptions,
  onClose: () => void,
  fail: (err: unknown) => void,
): Promise<void> {
  let socket: UdpSocket;
  try {
    const { address, family } = await lookup(target.host);
    socket = createSocket(family === 6 ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(target.port, address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
  } catch (err: unknown) {
    throw connectError(err, target);
  }
  relayDatagrams(stream, socket, options.udpIdleMs ?? 120_000, {
    send: (datagram) => socket.send(datagram),
    onClose,
    onError: (err) => fail(connectError(err, target)),
  });
}

/**
 * Datagrams between a stream (framed, one message each) and a UDP socket,
 * until the stream ends or nothing moves for `idleMs`. Used by both sides.
 */
export function relayDatagrams(
  stream: MuxStream,
  socket: UdpSocket | undefined,
  idleMs: number,
  hooks: { send: (datagram: Buffer) => void; onClose: () => void; onError: (err: Error) => void },
): { deliver: (datagram: Buffer) => void; close: () => void } {
  const splitter = new MessageSplitter({
    maxSize: MAX_DATAGRAM,
    allowEmpty: true,
    tooLargeCode: "ERR_FORWARD_INVALID",
  });
  let lastActivity = Date.now();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(sweep);
    try {
      socket?.close();
    } catch {
      // Already closed by its own error: nothing left to release.
    }
    if (!stream.destroyed) stream.end();
    hooks.onClose();
  };
  const deliver = (datagram: Buffer) => {
    lastActivity = Date.now();
    // UDP may lose datagrams: drop rather than queue without bound.
    if (closed || stream.writableLength > MAX_UDP_QUEUE) return;
    stream.write(frameMessage(datagram));
  };
  const sweep = setInterval(
    () => {
      if (Date.now() - lastActivity >= idleMs) close();
    },
    Math.max(10, Math.floor(idleMs / 4)),
  );
  sweep.unref();
  stream.on("data", (chunk: Buffer) => {
    lastActivity = Date.now();
    let datagrams: Buffer[];
    try {
      datagrams = splitter.push(chunk);
    } catch (err: unknown) {
      stream.reset("ERR_FORWARD_INVALID");
      hooks.onError(err as Error);
      close();
      return;
    }
    for (const datagram of datagrams) hooks.send(datagram);
  });
  stream.on("end", close);
  stream.on("error", close);
  stream.on("close", close);
  socket?.on("message", deliver);
  socket?.on("error", (err) => {
    hooks.onError(err);
    close();
  });
  return { deliver, close };
}

/** A typed error for a target that could not be reached. */
function connectError(err: unknown, target: ForwardTarget): WalkieError {
  const refused =
    (err instanceof WalkieError && err.code === "ERR_CONNECTION_REFUSED") ||
    (err as NodeJS.ErrnoException)?.code === "ECONNREFUSED";
  const reason = err instanceof Error ? err.message : String(err);
  return refused
    ? new WalkieError("ERR_FORWARD_REFUSED", `${formatTarget(target)} refused the connection`, {
        cause: err,
      })
    : new WalkieError(
        "ERR_FORWARD_UNREACHABLE",
        `cannot reach ${formatTarget(target)}: ${reason}`,
        {
          cause: err,
        },
      );
}

function asWalkieError(err: unknown, code: string): WalkieError {
  if (err instanceof WalkieError) return err;
  return new WalkieError(code, err instanceof Error ? err.message : String(err), { cause: err });
}
