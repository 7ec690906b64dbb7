/**
 * CipherState (Noise spec 5.1): a key `k` and a 64-bit nonce counter `n`. It encrypts handshake
 * payloads and, after Split(), every transport message of one direction.
 */
import { LinkError, WireError } from "../../errors.js";
import { type CipherFunctions, KEY_LEN } from "./primitives.js";

/** 2^64 - 1: reserved by the spec, so the last usable nonce is one less. */
export const MAX_NONCE = 0xffff_ffff_ffff_ffffn;

const ZERO_LEN = Buffer.alloc(0);
const ZEROS = Buffer.alloc(KEY_LEN);

/** One direction's AEAD key and nonce counter. */
export class CipherState {
  /** The key, or null before the handshake has mixed in any key material. */
  k: Buffer | null;
  /**
   * The next nonce. A bigint because the spec's counter is 64 bits wide and a JS number is exact
   * only up to 2^53. Starts at 0 and grows by one per successful encryption or decryption.
   */
  n = 0n;
  readonly cipher: CipherFunctions;

  constructor(cipher: CipherFunctions, k: Buffer | null = null) {
    this.cipher = cipher;
    this.k = k;
  }

  /** InitializeKey(k): a new key and nonce 0. The previous key, if any, is zeroed. */
  initializeKey(k: Buffer): void {
    if (k.length !== KEY_LEN) throw new TypeError(`cipher key must be ${KEY_LEN} bytes`);
    this.k?.fill(0);
    this.k = k;
    this.n = 0n;
  }

  hasKey(): boolean {
    return this.k !== null;
  }

  /**
   * Encrypts with the next nonce. Without a key the plaintext comes back as is (the same Buffer).
   * @throws LinkError `ERR_NONCE_EXHAUSTED` when the counter reached 2^64 - 1.
   */
  encryptWithAd(ad: Buffer, plaintext: Buffer): Buffer {
    if (this.k === null) return plaintext;
    this.checkNonce();
    const ciphertext = this.cipher.encrypt(this.k, this.n, ad, plaintext);
    this.n++;
    return ciphertext;
  }

  /**
   * Decrypts with the next nonce. Without a key the ciphertext comes back as is. On failure the
   * nonce does not move (spec 5.1).
   * @throws WireError `ERR_DECRYPT` when the tag does not verify or the input is shorter than one.
   * @throws LinkError `ERR_NONCE_EXHAUSTED` when the counter reached 2^64 - 1.
   */
  decryptWithAd(ad: Buffer, ciphertext: Buffer): Buffer {
    if (this.k === null) return ciphertext;
    this.checkNonce();
    let plaintext: Buffer;
    try {
      plaintext = this.cipher.decrypt(this.k, this.n, ad, ciphertext);
    } catch (err: unknown) {
      throw new WireError("ERR_DECRYPT", "message failed authentication", { cause: err });
    }
    this.n++;
    return plaintext;
  }

  /** Rekey() (spec 4.2 and 11.3): k = the first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros). */
  rekey(): void {
    if (this.k === null) throw new TypeError("rekey() without a key");
    const next = this.cipher.encrypt(this.k, MAX_NONCE, ZERO_LEN, ZEROS);
    this.k.fill(0);
    this.k = next.subarray(0, KEY_LEN);
    next.fill(0, KEY_LEN);
  }

  /** Zeroes the key; the state is unusable afterwards until initializeKey(). */
  destroy(): void {
    this.k?.fill(0);
    this.k = null;
  }

  private checkNonce(): void {
    if (this.n >= MAX_NONCE) {
      throw new LinkError("ERR_NONCE_EXHAUSTED", "nonce counter exhausted (2^64 - 1 messages)");
    }
  }
}
