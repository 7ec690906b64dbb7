/**
 * How a command reaches its peer: over TCP (a paired peer by name, found on
 * the LAN, or HOST:PORT), or over any byte stream: this process's stdin and
 * stdout (`--stdio`, for `ssh host walkie ... --stdio`), a command's stdio
 * (`--via "ssh host walkie ... --stdio"`), or a serial port (`--serial`).
 * Over a byte stream one side waits (`--listen`, the Noise responder) and
 * the other starts; both check each other's key as over TCP.
 */
import type { Duplex } from "node:stream";
import {
  allowList,
  ConfigError,
  expectPeer,
  type Link,
  openSerial,
  type PeerPolicy,
  pairedPolicy,
  parseAddress,
  spawnDuplex,
  stdioDuplex,
  type WalkieNode,
} from "../index.js";
import { peerIdFor } from "./context.js";

export interface ByteStreamOptions {
  stdio?: boolean;
  via?: string;
  serial?: string;
  baud?: string;
}

/** Which byte stream was asked for, if any. @throws ConfigError ERR_USAGE for more than one */
export function byteStreamKind(options: ByteStreamOptions): "stdio" | "via" | "serial" | undefined {
  const chosen = (["stdio", "via", "serial"] as const).filter(
    (kind) => options[kind] !== undefined && options[kind] !== false,
  );
  if (chosen.length > 1) {
    throw new ConfigError("ERR_USAGE", `choose one of ${chosen.map((k) => `--${k}`).join(", ")}`);
  }
  return chosen[0];
}

export interface ByteStreamRole {
  /** Wait for the other side's handshake (the side with --listen). */
  listen: boolean;
  /** Listening: who may link (IDs or paired names). Starting: the one expected. @default paired peers */
  peers?: readonly string[];
}

/**
 * Links over the byte stream chosen in `options` (call only when
 * `byteStreamKind` found one).
 * @throws ConfigError ERR_USAGE; LinkError ERR_SERIAL_OPEN, ERR_EXEC; handshake errors
 */
export async function linkOverByteStream(
  node: WalkieNode,
  options: ByteStreamOptions,
  role: ByteStreamRole,
): Promise<Link> {
  const kind = byteStreamKind(options);
  if (kind === "via" && role.listen) {
    throw new ConfigError(
      "ERR_USAGE",
      "--via starts the link: the command it runs should --listen",
    );
  }
  const policy = await policyFor(node, role);
  const chosen = byteStream(options);
  if (chosen === undefined) {
    throw new ConfigError("ERR_USAGE", "no byte stream chosen (--stdio, --via or --serial)");
  }
  return node.connect(await chosen.open(), {
    isInitiator: !role.listen,
    verifyPeer: policy,
    remoteAddress: chosen.name,
  });
}

const transports = new Set<Duplex>();

/**
 * The byte stream chosen in `options`, to open later (a serial port waits
 * for the other end there), or undefined for TCP. Opened streams are
 * released by `releaseByteStreams`.
 * @throws ConfigError ERR_USAGE
 */
export function byteStream(
  options: ByteStreamOptions,
): { open: () => Promise<Duplex>; name: string } | undefined {
  const kind = byteStreamKind(options);
  if (kind === undefined) return undefined;
  const track = (transport: Duplex) => {
    transports.add(transport);
    transport.once("close", () => transports.delete(transport));
    return transport;
  };
  if (kind === "serial") {
    const baudRate = Number(options.baud ?? "115200");
    if (!Number.isInteger(baudRate) || baudRate <= 0) {
      throw new ConfigError("ERR_USAGE", `--baud ${options.baud} is not a bit rate`);
    }
    const path = options.serial!;
    return { open: async () => track(await openSerial({ path, baudRate })), name: path };
  }
  if (kind === "via") {
    const command = options.via!;
    return { open: async () => track(await spawnDuplex(command)), name: `via ${command}` };
  }
  return { open: async () => track(stdioDuplex()), name: "stdio" };
}

/**
 * Closes the byte streams that links were made over and waits until they
 * are closed: for --via, until the command has exited (so it has finished
 * its own output). Call before the process exits.
 */
export async function releaseByteStreams(): Promise<void> {
  await Promise.all(
    [...transports].map(
      (transport) =>
        new Promise<void>((resolve) => {
          if (transport.closed) resolve();
          else transport.once("close", () => resolve());
          transport.destroy();
        }),
    ),
  );
}

async function policyFor(node: WalkieNode, role: ByteStreamRole): Promise<PeerPolicy> {
  const peers = role.peers ?? [];
  if (peers.length === 0) {
    if ((await node.peers.list()).length === 0) {
      throw new ConfigError(
        "ERR_USAGE",
        role.listen
          ? "say who may link with --allow DEVICE-ID (this device has no paired peers)"
          : "say who is expected with --peer DEVICE-ID (this device has no paired peers)",
      );
    }
    return pairedPolicy(node.peers);
  }
  const ids = await Promise.all(peers.map((text) => peerIdFor(node, text)));
  if (role.listen) return allowList(ids);
  if (ids.length > 1) throw new ConfigError("ERR_USAGE", "expect one peer");
  return expectPeer(ids[0]!);
}

/**
 * Who may link to a TCP listener: the device IDs of `allow` (IDs or paired
 * names), or undefined for every paired peer, of which there must be one.
 * `flag` names the listening option in the error (`--listen`, `--serve`).
 * @throws ConfigError ERR_USAGE
 */
export async function listenAllowList(
  node: WalkieNode,
  allow: readonly string[] | undefined,
  flag: string,
): Promise<string[] | undefined> {
  if (allow !== undefined) return Promise.all(allow.map((text) => peerIdFor(node, text)));
  if ((await node.peers.list()).length === 0) {
    throw new ConfigError(
      "ERR_USAGE",
      `${flag} without --allow accepts paired peers, and this device has none (walkie pair, or --allow DEVICE-ID)`,
    );
  }
  return undefined;
}

/**
 * Dials over TCP: `to` is a paired peer (name, ID or prefix, found on the LAN
 * or at its last address) or HOST:PORT; at HOST:PORT, `expected` (an ID or
 * paired name) must answer, else any paired peer.
 */
export async function dialTo(
  node: WalkieNode,
  to: string,
  expected: string | undefined,
): Promise<Link> {
  let address: { host: string; port: number } | undefined;
  try {
    address = parseAddress(to);
  } catch {
    if (expected !== undefined) {
      throw new ConfigError("ERR_USAGE", "--peer goes with HOST:PORT only");
    }
    return node.dialPeer(to);
  }
  if (expected !== undefined) {
    return node.dial({ ...address, peer: await peerIdFor(node, expected) });
  }
  if ((await node.peers.list()).length === 0) {
    throw new ConfigError(
      "ERR_USAGE",
      "HOST:PORT needs --peer DEVICE-ID (this device has no paired peers to accept)",
    );
  }
  return node.dial({ ...address });
}
