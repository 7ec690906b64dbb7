/** Walkie's public API: re-exports only. */
export { base32, deviceIdFromPublicKey, parseDeviceId, shortDeviceId } from "./crypto/device-id.js";
export { generateCode, type ParsedCode, parseCode } from "./crypto/one-time-code.js";
export type { DiscoveredPeer } from "./discovery/index.js";
export * from "./errors.js";
export {
  type AeadBackend,
  type Link,
  type LinkStats,
  type MuxStream,
  type PeerInfo,
  StreamResetError,
} from "./link/index.js";
export * from "./node/index.js";
export * from "./services/index.js";
export {
  type ControlMessage,
  createMemoryDuplexPair,
  formatAddress,
  openSerial,
  parseAddress,
  type SerialOptions,
  spawnDuplex,
  stdioDuplex,
  WebSocketDuplex,
} from "./transport/index.js";
