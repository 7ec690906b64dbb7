import { parseDeviceId } from "../crypto/device-id.js";
import { HandshakeError } from "../errors.js";
import type { PeerInfo } from "../link/index.js";

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
