/**
 * The one way a person names a paired peer, in every command: a device ID
 * (any case, with or without dashes), a name, or a unique prefix of either.
 */
import { ConfigError } from "../errors.js";
import type { PairedPeer } from "./peer-store.js";

/**
 * Finds the paired peer that `text` names. In order: the whole device ID,
 * then the whole name (case-insensitive), then a prefix of the ID or the name
 * that fits exactly one peer.
 * @throws ConfigError ERR_UNKNOWN_PEER (nothing fits), ERR_AMBIGUOUS_PEER (several do)
 */
export function resolvePeer(peers: readonly PairedPeer[], text: string): PairedPeer {
  const wanted = text.trim();
  const compact = wanted.toUpperCase().replace(/[\s-]/g, "");
  const lower = wanted.toLowerCase();
  const plainId = (peer: PairedPeer) => peer.id.replace(/-/g, "");
  if (wanted.length > 0) {
    const byId = peers.find((peer) => plainId(peer) === compact);
    if (byId) return byId;
    const byName = peers.filter((peer) => peer.name.toLowerCase() === lower);
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw ambiguous(text, byName);
    const byPrefix = peers.filter(
      (peer) =>
        (compact.length > 0 && plainId(peer).startsWith(compact)) ||
        peer.name.toLowerCase().startsWith(lower),
    );
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw ambiguous(text, byPrefix);
  }
  throw new ConfigError(
    "ERR_UNKNOWN_PEER",
    peers.length === 0
      ? `no paired peer matches "${text}": this device has not paired with any (walkie pair)`
      : `no paired peer matches "${text}" (walkie peers lists them)`,
  );
}

function ambiguous(text: string, matches: readonly PairedPeer[]): ConfigError {
  const list = matches.map((peer) => `${peer.name} (${peer.id.slice(0, 9)})`).join(", ");
  return new ConfigError(
    "ERR_AMBIGUOUS_PEER",
    `"${text}" matches ${matches.length} paired peers: ${list}; give more of the device ID`,
  );
}
