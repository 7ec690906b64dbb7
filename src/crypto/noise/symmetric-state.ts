/**
 * SymmetricState (Noise spec 5.2): the chaining key `ck`, the handshake hash `h` and the
 * CipherState they drive. Superseded secrets are zeroed as they are replaced.
 */
import { CipherState } from "./cipher-state.js";
import { type CipherFunctions, type HashFunctions, hkdf, KEY_LEN } from "./primitives.js";

const ZERO_LEN = Buffer.alloc(0);

/** The HASHLEN-byte output cut to a 32-byte cipher key (spec 5.2, for 64-byte hashes). */
function truncateKey(output: Buffer): Buffer {
  if (output.length === KEY_LEN) return output;
  output.fill(0, KEY_LEN);
  return output.subarray(0, KEY_LEN);
}

export class SymmetricState {
  readonly hash: HashFunctions;
  readonly cipherState: CipherState;
  private ck: Buffer;
  private h: Buffer;

  /** InitializeSymmetric(protocolName). */
  constructor(protocolName: string, cipher: CipherFunctions, hash: HashFunctions) {
    this.hash = hash;
    this.cipherState = new CipherState(cipher);
    const name = Buffer.from(protocolName, "ascii");
    if (name.length <= hash.hashLen) {
      this.h = Buffer.alloc(hash.hashLen);
      name.copy(this.h);
    } else {
      this.h = hash.hash(name);
    }
    this.ck = Buffer.from(this.h);
  }

  /** The current handshake hash `h` (the live buffer: do not modify). */
  get handshakeHash(): Buffer {
    return this.h;
  }

  mixKey(inputKeyMaterial: Buffer): void {
    const [ck, tempK] = hkdf(this.hash, this.ck, inputKeyMaterial, 2) as [Buffer, Buffer];
    this.ck.fill(0);
    this.ck = ck;
    this.cipherState.initializeKey(truncateKey(tempK));
  }

  mixHash(data: Buffer): void {
    this.h = this.hash.hash(this.h, data);
  }

  /** MixKeyAndHash(ikm), used for "psk" tokens. */
  mixKeyAndHash(inputKeyMaterial: Buffer): void {
    const [ck, tempH, tempK] = hkdf(this.hash, this.ck, inputKeyMaterial, 3) as [
      Buffer,
      Buffer,
      Buffer,
    ];
    this.ck.fill(0);
    this.ck = ck;
    this.mixHash(tempH);
    tempH.fill(0);
    this.cipherState.initializeKey(truncateKey(tempK));
  }

  encryptAndHash(plaintext: Buffer): Buffer {
    const ciphertext = this.cipherState.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** DecryptAndHash(ciphertext); throws what CipherState.decryptWithAd throws. */
  decryptAndHash(ciphertext: Buffer): Buffer {
    const plaintext = this.cipherState.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split(): the initiator-to-responder and responder-to-initiator cipher states. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.hash, this.ck, ZERO_LEN, 2) as [Buffer, Buffer];
    const cipher = this.cipherState.cipher;
    return [new CipherState(cipher, truncateKey(k1)), new CipherState(cipher, truncateKey(k2))];
  }

  /** Zeroes ck, h and the handshake cipher key. */
  destroy(): void {
    this.ck.fill(0);
    this.h.fill(0);
    this.cipherState.destroy();
  }
}
