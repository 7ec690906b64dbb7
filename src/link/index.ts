/**
 * The link layer: upgrades a byte stream into an authenticated, encrypted,
 * multiplexed Link (handshake -> verify -> records -> mux), with streams,
 * keepalive and stats. It knows nothing of files, chat or peers' trust:
 * whether a key is acceptable is the caller's `verifyPeer` decision.
 */
export { LinkMode, type PeerInfo, PROTOCOL_VERSION } from "./handshake.js";
export { Link, type LinkStats, type LinkTimers } from "./link.js";
export { MuxStream, StreamResetError } from "./mux.js";
export {
  CodePurpose,
  type CodeSlot,
  type CodeSlotState,
  createCodeSlot,
  pairingScalar,
  warmUpPake,
} from "./pake-exchange.js";
export type { AeadBackend } from "./record-aead.js";
export { type UpgradeOptions, upgrade } from "./upgrade.js";
