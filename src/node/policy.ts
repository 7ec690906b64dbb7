import { parseDeviceId } from "../crypto/device-id.js";
import { HandshakeError } from "../errors.js";
import type { PeerInfo } from "../link/index.js";
import type { PairedPeer, PeerStore } from "./peer-store.js";

/** Decides whether a peer that completed the handshake may link; throws to refuse. */
export type PeerPolicy = (peer: PeerInfo) => void | Promise<void>;

/** Only the listed device IDs (like WireGuard's configured peers). */
export function allowList(deviceIds: readonly string[]): PeerPolicy {
  const allowed = new Set(deviceIds.map((id) => parseDeviceId(id)));
  return (peer) => {
    if (!allowed.has(peer.id)) {
      throw new HandshakeError(
        "ERR_PEER_NOT_ALLOWED",
        `refused ${peer.name} (${peer.id}): not on the allow list`,
      );
    }
  };
}

/** Exactly the device we meant to reach; anything else may be an impostor. */
export function expectPeer(deviceId: string): PeerPolicy {
  const expected = parseDeviceId(deviceId);
  return (peer) => {
    if (peer.id !== expected) {
      throw new HandshakeError(
        "ERR_UNEXPECTED_PEER",
        `expected device ${expected} but ${peer.name} (${peer.id}) answered`,
      );
    }
  };
}

/**
 * Any paired peer in `store` (read afresh for each handshake, so pairing or
 * unpairing in another process counts at once). An unknown key that claims
 * the name of a paired peer is refused loudly as ERR_PEER_KEY_CHANGED.
 */
export function pairedPolicy(store: PeerStore): PeerPolicy {
  return async (peer) => {
    const peers = await store.list();
    if (peers.some((known) => known.id === peer.id && known.publicKey.equals(peer.publicKey))) {
      return;
    }
    const namesake = peers.find((known) => sameName(known.name, peer.name));
    if (namesake) throw keyChanged(namesake, peer);
    throw new HandshakeError(
      "ERR_PEER_NOT_ALLOWED",
      `refused ${peer.name} (${peer.id}): not a paired peer`,
    );
  };
}

/**
 * Exactly this paired peer. Another key under its name is ERR_PEER_KEY_CHANGED
 * (like SSH's changed host key); anyone else is ERR_UNEXPECTED_PEER.
 */
export function expectPaired(expected: PairedPeer): PeerPolicy {
  return (peer) => {
    if (peer.id === expected.id && peer.publicKey.equals(expected.publicKey)) return;
    if (sameName(expected.name, peer.name)) throw keyChanged(expected, peer);
    throw new HandshakeError(
      "ERR_UNEXPECTED_PEER",
      `expected ${expected.name} (${expected.id}) but ${peer.name} (${peer.id}) answered`,
    );
  };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function keyChanged(known: PairedPeer, peer: PeerInfo): HandshakeError {
  return new HandshakeError(
    "ERR_PEER_KEY_CHANGED",
    `WARNING: a device calling itself "${peer.name}" presented a different key (${peer.id}) ` +
      `than the ${known.name} paired on ${known.pairedAt.slice(0, 10)} (${known.id}). ` +
      `It may be an impostor; refused. If ${known.name} was reset, unpair it and pair again`,
  );
}
