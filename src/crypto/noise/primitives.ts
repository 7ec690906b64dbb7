/**
 * The Noise primitives (spec sections 4 and 12), all on node:crypto: X25519 for DH, AES-256-GCM
 * and ChaCha20-Poly1305 as AEADs, SHA-256, SHA-512, BLAKE2b and BLAKE2s as hashes, and the
 * spec's HMAC-based HKDF. Nothing here keeps state.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";

/** An X25519 key pair, both halves raw 32-byte strings (RFC 7748). */
export interface KeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

/** DHLEN for Curve25519. */
export const DH_LEN = 32;
/** Key length of every Noise cipher. */
export const KEY_LEN = 32;
/** Authentication tag length of every Noise cipher. */
export const TAG_LEN = 16;

// Raw X25519 keys are imported as JWK: OpenSSL 3's DER decoders take ~360 µs
// a private key, JWK ~40 µs, and a handshake does several DH operations.
// Key objects are remembered per secret-key Buffer, so a static key or an
// ephemeral is imported at most once.
const privateKeyObjects = new WeakMap<Buffer, KeyObject>();

function privateKeyObject(secretKey: Buffer): KeyObject {
  if (secretKey.length !== DH_LEN) throw new TypeError(`X25519 secret key must be ${DH_LEN} bytes`);
  const known = privateKeyObjects.get(secretKey);
  if (known !== undefined) return known;
  // Node requires `x` in an OKP JWK but derives the public key from `d`;
  // any well-formed 32-byte value does.
  const key = createPrivateKey({
    key: { kty: "OKP", crv: "X25519", d: secretKey.toString("base64url"), x: ZERO_KEY_B64 },
    format: "jwk",
  });
  privateKeyObjects.set(secretKey, key);
  return key;
}

const ZERO_KEY_B64 = Buffer.alloc(DH_LEN).toString("base64url");

function publicKeyObject(publicKey: Buffer): KeyObject {
  if (publicKey.length !== DH_LEN) throw new TypeError(`X25519 public key must be ${DH_LEN} bytes`);
  return createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: publicKey.toString("base64url") },
    format: "jwk",
  });
}

/** A fresh random X25519 key pair. */
export function generateKeyPair(): KeyPair {
  // Encoded by the key generation job itself: exporting a freshly generated
  // KeyObject as JWK can deadlock in Node 20 (a GC during ExportJWKEdKey runs
  // the KeyGenJob's destructor, which takes the mutex the export holds).
  const { publicKey, privateKey } = generateKeyPairSync("x25519", {
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "der" },
  });
  const pair = {
    publicKey: Buffer.from(publicKey.subarray(publicKey.length - DH_LEN)),
    secretKey: Buffer.from(privateKey.subarray(privateKey.length - DH_LEN)),
  };
  privateKey.fill(0);
  return pair;
}

/** The key pair whose secret half is `secretKey` (the public half is derived). */
export function keyPairFromSecretKey(secretKey: Buffer): KeyPair {
  const spki = createPublicKey(privateKeyObject(secretKey)).export({ format: "der", type: "spki" });
  return { publicKey: Buffer.from(spki.subarray(spki.length - DH_LEN)), secretKey };
}

/**
 * X25519(secretKey, publicKey). Throws when the result is all zeros (a low-order public key),
 * which OpenSSL refuses; the handshake turns that into a failed handshake.
 */
export function dh(secretKey: Buffer, publicKey: Buffer): Buffer {
  return diffieHellman({
    privateKey: privateKeyObject(secretKey),
    publicKey: publicKeyObject(publicKey),
  });
}

/** A Noise cipher: an AEAD keyed by 32 bytes with a 64-bit counter nonce (spec 4.2). */
export interface CipherFunctions {
  readonly name: "AESGCM" | "ChaChaPoly";
  /** ENCRYPT(k, n, ad, plaintext): ciphertext followed by the 16-byte tag. */
  encrypt(k: Buffer, n: bigint, ad: Buffer, plaintext: Buffer): Buffer;
  /** DECRYPT(k, n, ad, ciphertext): throws when the tag does not verify. */
  decrypt(k: Buffer, n: bigint, ad: Buffer, ciphertext: Buffer): Buffer;
}

function aead(
  name: CipherFunctions["name"],
  algorithm: "aes-256-gcm" | "chacha20-poly1305",
  littleEndian: boolean,
): CipherFunctions {
  // Noise nonces: 32 zero bits, then the counter (big-endian for AESGCM, little for ChaChaPoly).
  const nonce = (n: bigint): Buffer => {
    const iv = Buffer.alloc(12);
    if (littleEndian) iv.writeBigUInt64LE(n, 4);
    else iv.writeBigUInt64BE(n, 4);
    return iv;
  };
  // Both AEADs have the same node:crypto API; the cast only picks a typed overload.
  const gcm = algorithm as "aes-256-gcm";
  return {
    name,
    encrypt(k, n, ad, plaintext) {
      const cipher = createCipheriv(gcm, k, nonce(n), { authTagLength: TAG_LEN });
      cipher.setAAD(ad);
      const body = cipher.update(plaintext);
      const last = cipher.final();
      return Buffer.concat([body, last, cipher.getAuthTag()]);
    },
    decrypt(k, n, ad, ciphertext) {
      if (ciphertext.length < TAG_LEN) throw new RangeError("ciphertext shorter than a tag");
      const split = ciphertext.length - TAG_LEN;
      const decipher = createDecipheriv(gcm, k, nonce(n), { authTagLength: TAG_LEN });
      decipher.setAuthTag(ciphertext.subarray(split));
      decipher.setAAD(ad);
      const body = decipher.update(ciphertext.subarray(0, split));
      const last = decipher.final();
      return last.length === 0 ? body : Buffer.concat([body, last]);
    },
  };
}

const CIPHERS: Record<string, CipherFunctions> = {
  AESGCM: aead("AESGCM", "aes-256-gcm", false),
  ChaChaPoly: aead("ChaChaPoly", "chacha20-poly1305", true),
};

/** The cipher named as in a Noise protocol name, or undefined. */
export function getCipher(name: string): CipherFunctions | undefined {
  return Object.hasOwn(CIPHERS, name) ? CIPHERS[name] : undefined;
}

/** A Noise hash function with its HMAC (spec 4.3). */
export interface HashFunctions {
  readonly name: "SHA256" | "SHA512" | "BLAKE2b" | "BLAKE2s";
  readonly hashLen: number;
  /** HASH(parts[0] || parts[1] || ...), without concatenating. */
  hash(...parts: Buffer[]): Buffer;
  /** HMAC-HASH(key, parts[0] || parts[1] || ...), RFC 2104. */
  hmac(key: Buffer, ...parts: Buffer[]): Buffer;
}

function hashFunctions(name: HashFunctions["name"], algorithm: string, hashLen: number) {
  return {
    name,
    hashLen,
    hash(...parts: Buffer[]) {
      const h = createHash(algorithm);
      for (const part of parts) h.update(part);
      return h.digest();
    },
    hmac(key: Buffer, ...parts: Buffer[]) {
      const h = createHmac(algorithm, key);
      for (const part of parts) h.update(part);
      return h.digest();
    },
  } satisfies HashFunctions;
}

const HASHES: Record<string, HashFunctions> = {
  SHA256: hashFunctions("SHA256", "sha256", 32),
  SHA512: hashFunctions("SHA512", "sha512", 64),
  BLAKE2b: hashFunctions("BLAKE2b", "blake2b512", 64),
  BLAKE2s: hashFunctions("BLAKE2s", "blake2s256", 32),
};

/** The hash named as in a Noise protocol name, or undefined. */
export function getHash(name: string): HashFunctions | undefined {
  return Object.hasOwn(HASHES, name) ? HASHES[name] : undefined;
}

const BYTE_1 = Buffer.from([1]);
const BYTE_2 = Buffer.from([2]);
const BYTE_3 = Buffer.from([3]);

/**
 * HKDF(chainingKey, inputKeyMaterial, numOutputs) exactly as spec 4.3 writes it: two or three
 * HASHLEN-byte outputs. The intermediate key is zeroed before returning.
 */
export function hkdf(
  hash: HashFunctions,
  chainingKey: Buffer,
  inputKeyMaterial: Buffer,
  numOutputs: 2 | 3,
): Buffer[] {
  const tempKey = hash.hmac(chainingKey, inputKeyMaterial);
  const output1 = hash.hmac(tempKey, BYTE_1);
  const output2 = hash.hmac(tempKey, output1, BYTE_2);
  const outputs = [output1, output2];
  if (numOutputs === 3) outputs.push(hash.hmac(tempKey, output2, BYTE_3));
  tempKey.fill(0);
  return outputs;
}
