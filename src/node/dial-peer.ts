/**
 * Reaching a paired peer by name or ID prefix, with no address given: first
 * where the LAN says it is now (mDNS, by its short ID), then where we last
 * reached it. Only that peer's key is accepted; another key under its name
 * stops the search loudly (ERR_PEER_KEY_CHANGED).
 */
import type { Duplex } from "node:stream";
import { hasCode, LinkError } from "../errors.js";
import type { Link } from "../link/index.js";
import { dialTcp, parseAddress } from "../transport/index.js";
import { dialAddresses, findDevice, type LanSelf } from "./lan.js";
import type { ConnectOptions } from "./node.js";
import type { PeerStore } from "./peer-store.js";
import { expectPaired } from "./policy.js";
import { resolvePeer } from "./resolve-peer.js";

/** What dialling a paired peer needs of a node. */
export interface DialingNode extends LanSelf {
  readonly peers: PeerStore;
  readonly discovery: boolean;
  connect(transport: Duplex, options: ConnectOptions): Promise<Link>;
}

export interface DialPeerOptions {
  /** How long to look for the peer on the LAN before trying its last addresses. @default 2000 */
  discoveryTimeoutMs?: number;
  /** Per address: connecting and the handshake. @default 10000 */
  timeoutMs?: number;
}

/**
 * Links with the paired peer that `text` names (see resolvePeer).
 * @throws ConfigError ERR_UNKNOWN_PEER, ERR_AMBIGUOUS_PEER; HandshakeError ERR_PEER_KEY_CHANGED,
 *   ERR_PEER_REFUSED_US (it answered but does not accept us); LinkError ERR_PEER_UNREACHABLE
 *   when no address answered as that peer
 */
export async function dialPairedPeer(
  node: DialingNode,
  text: string,
  options: DialPeerOptions = {},
): Promise<Link> {
  const peer = resolvePeer(await node.peers.list(), text);
  const verifyPeer = expectPaired(peer);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const failures: unknown[] = [];
  const tried = new Set<string>();
  const tryAddress = async (target: string): Promise<Link | undefined> => {
    if (tried.has(target)) return undefined;
    tried.add(target);
    try {
      const { host, port } = parseAddress(target);
      const socket = await dialTcp({ host, port, timeoutMs });
      return await node.connect(socket, { isInitiator: true, verifyPeer, remoteAddress: target });
    } catch (err: unknown) {
      if (hasCode(err, "ERR_PEER_KEY_CHANGED")) throw err;
      failures.push(err);
      return undefined;
    }
  };
  if (node.discovery) {
    try {
      const found = await findDevice(node, peer.id, options.discoveryTimeoutMs ?? 2_000);
      for (const target of dialAddresses(found)) {
        const link = await tryAddress(target);
        if (link) return link;
      }
    } catch (err: unknown) {
      if (hasCode(err, "ERR_PEER_KEY_CHANGED")) throw err;
      failures.push(err);
    }
  }
  for (const target of peer.addresses) {
    const link = await tryAddress(target);
    if (link) return link;
  }
  // The peer itself answered and refused us: that says more than "unreachable".
  const refused = failures.find((err) => hasCode(err, "ERR_PEER_REFUSED_US"));
  if (refused) throw refused;
  const reasons = failures.map((err) => (err instanceof Error ? err.message : String(err)));
  throw new LinkError(
    "ERR_PEER_UNREACHABLE",
    `cannot reach ${peer.name} (${peer.id.slice(0, 9)}): ${
      reasons.length > 0 ? reasons.join("; ") : "not on the LAN and no address known"
    }`,
    { cause: failures.at(-1) },
  );
}
