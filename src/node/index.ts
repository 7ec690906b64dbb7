/**
 * The node layer: a device's identity, its listeners and links, and what
 * peers may do. Faces (CLI, web) use only this and the services.
 */
export * from "./code-link.js";
export * from "./daemon/index.js";
export type { DialPeerOptions } from "./dial-peer.js";
export * from "./identity.js";
export * from "./node.js";
export type {
  PairingResult,
  PairJoinOptions,
  PairWaitOptions,
  PairWaitSession,
} from "./pairing.js";
export * from "./peer-store.js";
export * from "./policy.js";
export { resolvePeer } from "./resolve-peer.js";
export * from "./state-dir.js";
