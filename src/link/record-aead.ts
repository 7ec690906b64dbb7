/**
 * ChaCha20-Poly1305 (RFC 8439) for link records, the cipher of Noise's
 * `ChaChaPoly` (PROTOCOL.md §3). Two implementations of the same bytes:
 *
 * - libsodium, through `sodium-native` (an optional dependency with prebuilt
 *   addons): one native call per record, about 2 µs for a 1 KiB record.
 * - `node:crypto` (OpenSSL), where sodium-native is not installed or does
 *   not load: a cipher object per record, about 7 µs for the same record
 *   (node:crypto has no reusable AEAD context), a cost paid four times per
 *   request/response. On 64 KiB records OpenSSL is a little faster here (31
 *   against 38 µs, with AVX-512), but it allocates its output, and a bulk
 *   transfer's allocations are what drive its garbage collections.
 *
 * `WALKIE_CRYPTO=node` forces the second (for comparison and tests).
 */
import { createCipheriv, createDecipheriv, createSecretKey } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const TAG_BYTES = 16;
export type AeadBackend = "libsodium" | "node:crypto";

/** One direction's key. Nonces are Noise's: 4 zero bytes, then a 64-bit little-endian counter. */
export interface RecordAead {
  readonly backend: AeadBackend;
  /**
   * Encrypts `box[0, box.length - 16)` in place and writes the tag into the
   * last 16 bytes.
   */
  sealInPlace(nonce: Buffer, box: Buffer): void;
  /** Returns the plaintext of `ciphertext || tag`, or undefined when the tag does not verify. */
  open(nonce: Buffer, sealed: Buffer): Buffer | undefined;
}

/**
 * The two functions of sodium-native's addon used here, called as its own
 * JavaScript wrappers call them (no `nsec`; `undefined` for no associated
 * data). Sealing returns the tag's length on success; opening, 0.
 */
interface Sodium {
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(
    c: Buffer,
    mac: Buffer,
    m: Buffer,
    ad: undefined,
    npub: Buffer,
    k: Buffer,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt_detached(
    m: Buffer,
    c: Buffer,
    mac: Buffer,
    ad: undefined,
    npub: Buffer,
    k: Buffer,
  ): number;
}

let sodium: Sodium | null | undefined;
/** The sodium-native whose addon calls this file makes. */
const SODIUM_NATIVE_VERSION = "5.1.0";

/**
 * sodium-native's prebuilt addon, loaded on first use (most commands never
 * open a link); null where it cannot load. The addon is opened directly:
 * sodium-native's JavaScript loader and wrappers (require-addon, bare-*
 * resolvers, 3,000 lines of argument checks) grew a bulk-moving process's
 * heap just past a point where V8 collected its old space eight times as
 * often, which halved `bench/realtime.mjs`'s bulk-under-chat rate. The
 * addon's calling convention is internal to sodium-native, so only the
 * version this was written against is used (package.json pins it), and the
 * sizes its wrappers would check are checked here (the addon does not).
 */
function loadSodium(): Sodium | null {
  if (sodium !== undefined) return sodium;
  sodium = null;
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve("sodium-native"));
    const { version } = require("sodium-native/package.json") as { version: string };
    if (version !== SODIUM_NATIVE_VERSION) return sodium;
    const addon = { exports: {} as Sodium };
    const host = `${process.platform}-${process.arch}`;
    process.dlopen(addon, join(root, "prebuilds", host, "sodium-native.node"));
    sodium = addon.exports;
  } catch {
    // Not installed (an optional dependency) or no prebuilt addon for this platform.
  }
  return sodium;
}

/** Whether libsodium loaded here (whatever WALKIE_CRYPTO says). */
export function libsodiumAvailable(): boolean {
  return loadSodium() !== null;
}

/** The backend new keys use here: libsodium when it loads, else node:crypto. */
export function aeadBackend(): AeadBackend {
  if (process.env.WALKIE_CRYPTO === "node") return "node:crypto";
  return loadSodium() === null ? "node:crypto" : "libsodium";
}

/** A record key on `backend` (default: the best one here). */
export function createRecordAead(key: Buffer, backend = aeadBackend()): RecordAead {
  if (key.length !== 32)
    throw new RangeError(`a ChaCha20-Poly1305 key is 32 bytes, not ${key.length}`);
  const lib = backend === "libsodium" ? loadSodium() : null;
  if (backend === "libsodium" && lib === null) throw new Error("sodium-native is not available");
  if (lib === null) return nodeAead(key);
  // Our own copy, outside Node's shared buffer pool.
  const own = Buffer.alloc(32);
  key.copy(own);
  return sodiumAead(lib, own);
}

function sodiumAead(lib: Sodium, key: Buffer): RecordAead {
  // The addon trusts its callers with lengths: these are the checks its wrappers make.
  const check = (nonce: Buffer, box: Buffer) => {
    if (nonce.length !== 12 || box.length < TAG_BYTES) {
      throw new RangeError(
        `a 12-byte nonce and at least a tag, not ${nonce.length} and ${box.length}`,
      );
    }
  };
  return {
    backend: "libsodium",
    sealInPlace(nonce, box) {
      check(nonce, box);
      const body = box.subarray(0, box.length - TAG_BYTES);
      const status = lib.crypto_aead_chacha20poly1305_ietf_encrypt_detached(
        body,
        box.subarray(body.length),
        body,
        undefined,
        nonce,
        key,
      );
      // The addon returns the tag's length (as an unsigned 64-bit number, so never below 0).
      if (status !== TAG_BYTES) throw new Error(`libsodium could not seal a record (${status})`);
    },
    open(nonce, sealed) {
      check(nonce, sealed);
      const length = sealed.length - TAG_BYTES;
      // A fresh buffer, not in place: the received chunk may be shared (an
      // in-memory pair hands the sender's buffer over as it is).
      const plaintext = Buffer.allocUnsafe(length);
      const status = lib.crypto_aead_chacha20poly1305_ietf_decrypt_detached(
        plaintext,
        sealed.subarray(0, length),
        sealed.subarray(length),
        undefined,
        nonce,
        key,
      );
      if (status !== 0) return undefined;
      return plaintext;
    },
  };
}

function nodeAead(rawKey: Buffer): RecordAead {
  const key = createSecretKey(rawKey);
  const options = { authTagLength: TAG_BYTES };
  return {
    backend: "node:crypto",
    sealInPlace(nonce, box) {
      const length = box.length - TAG_BYTES;
      const cipher = createCipheriv("chacha20-poly1305", key, nonce, options);
      box.set(cipher.update(box.subarray(0, length)), 0);
      cipher.final();
      box.set(cipher.getAuthTag(), length);
    },
    open(nonce, sealed) {
      const length = sealed.length - TAG_BYTES;
      const decipher = createDecipheriv("chacha20-poly1305", key, nonce, options);
      decipher.setAuthTag(sealed.subarray(length));
      const plaintext = decipher.update(sealed.subarray(0, length));
      try {
        decipher.final();
      } catch {
        return undefined;
      }
      return plaintext;
    },
  };
}
