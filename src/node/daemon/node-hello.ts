/**
 * The `walkie.node` service (PROTOCOL.md "Node hello"): when a link comes up,
 * a running node tells the peer which TCP port it listens on, so the peer can
 * dial it back later without mDNS (the link's own source port is ephemeral,
 * and a pairing happens on a port that closes with it). One small JSON
 * object, then the stream ends.
 */
import type { Link, MuxStream } from "../../link/index.js";
import { formatAddress, parseAddress } from "../../transport/index.js";

export const NODE_HELLO_SERVICE = "walkie.node";

/** Bytes a hello may take; more resets the stream. */
const MAX_HELLO_BYTES = 512;

export interface NodeHello {
  v: 1;
  /** The port the sender's node listens on. */
  port: number;
}

/** Sends our hello on a fresh stream; a peer without the service just resets it. */
export function sendHello(link: Link, port: number): void {
  try {
    const stream = link.openStream(NODE_HELLO_SERVICE);
    stream.on("error", () => {}); // not a running node, or gone: nothing to do
    stream.resume();
    stream.end(JSON.stringify({ v: 1, port } satisfies NodeHello));
  } catch {
    // The link is already closing.
  }
}

/**
 * Reads a peer's hello and calls `onAddress` with HOST:PORT where its node
 * listens (the link's remote host, the announced port).
 */
export function receiveHello(
  stream: MuxStream,
  link: Link,
  onAddress: (address: string) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_HELLO_BYTES) {
      stream.reset("ERR_HELLO_INVALID");
      return;
    }
    chunks.push(chunk);
  });
  stream.on("end", () => {
    stream.end();
    const port = parsePort(Buffer.concat(chunks));
    const host = remoteHost(link);
    if (port !== undefined && host !== undefined) onAddress(formatAddress(host, port));
  });
}

function parsePort(bytes: Buffer): number | undefined {
  try {
    const hello = JSON.parse(bytes.toString("utf8")) as Partial<NodeHello>;
    const port = hello.port;
    return Number.isInteger(port) && port! > 0 && port! < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

function remoteHost(link: Link): string | undefined {
  if (link.remoteAddress === undefined) return undefined;
  try {
    return parseAddress(link.remoteAddress).host;
  } catch {
    return undefined;
  }
}
