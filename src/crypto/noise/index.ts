/**
 * The Noise Protocol Framework (revision 34) handshake, pure: no sockets, no framing, no timers.
 *
 * This layer knows the Noise state machines (CipherState, SymmetricState, HandshakeState), the
 * handshake patterns in `patterns.ts` with any "psk" modifiers, and the primitives X25519,
 * AESGCM/ChaChaPoly and SHA256/SHA512/BLAKE2b/BLAKE2s, all from node:crypto.
 *
 * It deliberately does not know how messages travel (the 2-byte length prefix, records), what a
 * payload means (hellos, CBOR), whether a remote static key is trusted (policy), where keys are
 * stored, or about timeouts. Callers feed it whole Noise messages and act on what it returns.
 */
export { CipherState, MAX_NONCE } from "./cipher-state.js";
export {
  type HandshakeOptions,
  HandshakeState,
  MAX_MESSAGE_LEN,
  PSK_LEN,
} from "./handshake-state.js";
export {
  getPattern,
  type HandshakePattern,
  parseProtocolName,
  SUPPORTED_PATTERNS,
  type Token,
} from "./patterns.js";
export {
  type CipherFunctions,
  DH_LEN,
  dh,
  generateKeyPair,
  getCipher,
  getHash,
  type HashFunctions,
  KEY_LEN,
  type KeyPair,
  keyPairFromSecretKey,
  TAG_LEN,
} from "./primitives.js";
