/**
 * SPAKE2 (RFC 9382) with the ciphersuite SPAKE2-P256-SHA256-HKDF-HMAC, as a
 * pure state machine: it turns a password scalar and the peer's bytes into a
 * shared key and confirmation messages. It knows nothing of sockets, framing
 * or one-time codes; the caller moves the bytes and picks the identities.
 *
 * Flow (RFC 9382 section 3): A sends pA, B sends pB, each calls
 * `finish(peer message)` and sends its confirmation, each calls
 * `verify(peer confirmation)`. The shared key must not be trusted before
 * `verify` returns.
 */
import assert from "node:assert/strict";
import { scrypt, timingSafeEqual } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { bytesToNumberBE, concatBytes, numberToBytesBE } from "@noble/curves/utils.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { HandshakeError } from "../errors.js";

const Point = p256.Point;
// A 4-bit window for the base point's table instead of noble's 6: a process
// makes only a few SPAKE2 sessions, and the smaller table is built about
// 15 ms faster in a fresh process, while each multiplication is barely slower.
Point.BASE.precompute(4);
type CurvePoint = typeof Point.BASE;
const ORDER = Point.Fn.ORDER;
const SCALAR_BYTES = 32;
/** pA and pB travel as uncompressed SEC1 points: 0x04 || x || y. */
export const SPAKE2_MESSAGE_BYTES = 65;
/** cA and cB are HMAC-SHA256 outputs. */
export const SPAKE2_CONFIRMATION_BYTES = 32;

/**
 * RFC 9382 section 6: the fixed points M and N for P-256 (SEC1 compressed),
 * generated from the seeds "1.2.840.10045.3.1.7 point generation seed (M)"
 * and "(N)" so nobody knows their discrete logarithms.
 */
export const SPAKE2_M = Point.fromHex(
  "02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f",
);
export const SPAKE2_N = Point.fromHex(
  "03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49",
);

/**
 * scrypt cost for {@link derivePasswordScalar}: 32 MiB of memory and about
 * 90 ms on one AMD EPYC server core. SPAKE2 already stops offline guessing
 * from a transcript; this slows guessing by anyone who learns w from memory.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const SALT_PREFIX = "walkie/1 spake2";
/** 256 bits of the group order plus 64, so reducing mod n leaves a bias of at most 2^-64. */
const WIDE_BYTES = SCALAR_BYTES + 8;

export type Spake2Role = "A" | "B";

/** Options of {@link createSpake2}. Both sides must agree on w, idA, idB and aad. */
export interface Spake2Options {
  /** "A" sends pA = x*P + w*M, "B" sends pB = y*P + w*N; the two sides take different roles. */
  role: Spake2Role;
  /** The password scalar, 32 bytes big-endian in [1, n), from {@link derivePasswordScalar}. */
  w: Uint8Array;
  /** A's identity, bound into the transcript. @default empty */
  idA?: Uint8Array;
  /** B's identity, bound into the transcript. @default empty */
  idB?: Uint8Array;
  /** Additional data bound into the confirmation keys, e.g. a protocol version. @default empty */
  aad?: Uint8Array;
}

/** What {@link Spake2.finish} yields. */
export interface Spake2Result {
  /** Ke, 16 bytes. Not authenticated until {@link Spake2.verify} has returned. */
  sharedKey: Uint8Array;
  /** My confirmation message (cA or cB), to send to the peer. */
  confirmation: Uint8Array;
}

/** One SPAKE2 session: one message each way, one confirmation each way. */
export interface Spake2 {
  /** My message, pA or pB. */
  message(): Uint8Array;
  /** Takes the peer's message; throws `HandshakeError` `ERR_PAKE_MESSAGE` if it is malformed. */
  finish(peerMessage: Uint8Array): Spake2Result;
  /** Checks the peer's confirmation; throws `HandshakeError` `ERR_PAKE` when the passwords differ. */
  verify(peerConfirmation: Uint8Array): void;
}

/** Every intermediate value of a session, for known-answer tests. @internal */
export interface Spake2Trace {
  K: Uint8Array;
  TT: Uint8Array;
  Ke: Uint8Array;
  Ka: Uint8Array;
  KcA: Uint8Array;
  KcB: Uint8Array;
}

/** Starts a session with a fresh random ephemeral scalar (x for A, y for B). */
export function createSpake2(options: Spake2Options): Spake2 {
  return start(options, bytesToNumberBE(p256.utils.randomSecretKey()));
}

/**
 * Known-answer tests only: a session with a fixed ephemeral scalar that also
 * reports its intermediate values. Never use a fixed scalar for real. @internal
 */
export function createSpake2WithEphemeral(
  options: Spake2Options,
  ephemeral: Uint8Array,
): Spake2 & { trace(): Spake2Trace | undefined } {
  let trace: Spake2Trace | undefined;
  const session = start(options, toScalar(ephemeral, "ephemeral"), (t) => {
    trace = t;
  });
  return { ...session, trace: () => trace };
}

/**
 * Derives the SPAKE2 password scalar w from a password (RFC 9382 section 3.2):
 * scrypt with a fixed per-protocol salt that binds the identities, 64 bits
 * wider than the group order, reduced mod n. Returns 32 bytes big-endian.
 */
export async function derivePasswordScalar(
  password: string,
  identities: { idA?: Uint8Array; idB?: Uint8Array } = {},
): Promise<Uint8Array> {
  const salt = concatBytes(
    new TextEncoder().encode(SALT_PREFIX),
    lengthPrefixed(identities.idA ?? new Uint8Array(0)),
    lengthPrefixed(identities.idB ?? new Uint8Array(0)),
  );
  const wide = await new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, WIDE_BYTES, SCRYPT_PARAMS, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
  const w = bytesToNumberBE(wide) % ORDER;
  wide.fill(0);
  // w = 0 would drop the password from the messages; the odds are 2^-256.
  assert.notEqual(w, 0n, "password scalar reduced to zero");
  return numberToBytesBE(w, SCALAR_BYTES);
}

function start(
  options: Spake2Options,
  secret: bigint,
  onTrace?: (trace: Spake2Trace) => void,
): Spake2 {
  const w = toScalar(options.w, "w");
  const isA = options.role === "A";
  assert.ok(isA || options.role === "B", "role must be A or B");
  // Copies, so a caller reusing its buffers cannot change the transcript under us.
  const [wBytes, idA, idB, aad] = [options.w, options.idA, options.idB, options.aad].map(
    (bytes) => bytes?.slice() ?? new Uint8Array(0),
  ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  // x*P + w*M for A, y*P + w*N for B (section 3); P-256 has cofactor h = 1.
  const mine = Point.BASE.multiply(secret).add((isA ? SPAKE2_M : SPAKE2_N).multiply(w));
  const myMessage = mine.toBytes(false);
  let state: "started" | "finished" | "done" | "failed" = "started";
  let expected: Uint8Array | undefined;

  return {
    message: () => myMessage.slice(),

    finish(peerMessage) {
      assert.equal(state, "started", "SPAKE2 finish() called twice");
      state = "failed";
      const peer = decodeMessage(peerMessage);
      if (peer.equals(mine)) throw pakeMessageError("peer message reflects my own");
      // K = h*x*(pB - w*N) for A, h*y*(pA - w*M) for B; h = 1.
      const unmasked = peer.subtract((isA ? SPAKE2_N : SPAKE2_M).multiply(w));
      if (unmasked.is0()) throw pakeMessageError("peer message cancels the password mask");
      const K = unmasked.multiply(secret).toBytes(false);
      const [pA, pB] = isA ? [myMessage, peerMessage] : [peerMessage, myMessage];
      const TT = concatBytes(...[idA, idB, pA, pB, K, wBytes].map(lengthPrefixed));
      const keys = keySchedule(TT, aad);
      const confirmation = hmac(sha256, isA ? keys.KcA : keys.KcB, TT);
      expected = hmac(sha256, isA ? keys.KcB : keys.KcA, TT);
      onTrace?.(structuredClone({ K, TT, ...keys }));
      // Everything but Ke is secret and no longer needed (bigint scalars cannot be wiped).
      for (const bytes of [K, TT, keys.Ka, keys.KcA, keys.KcB]) bytes.fill(0);
      state = "finished";
      return { sharedKey: keys.Ke, confirmation };
    },

    verify(peerConfirmation) {
      assert.equal(state, "finished", "SPAKE2 verify() needs a finished session");
      assert.ok(expected);
      state = "failed";
      const want = expected;
      expected = undefined;
      if (peerConfirmation.length !== SPAKE2_CONFIRMATION_BYTES) {
        throw pakeMessageError(`confirmation must be ${SPAKE2_CONFIRMATION_BYTES} bytes`);
      }
      const ok = timingSafeEqual(want, peerConfirmation);
      want.fill(0);
      if (!ok) throw new HandshakeError("ERR_PAKE", "SPAKE2 confirmation failed: wrong code");
      state = "done";
    },
  };
}

/** Section 4: Ke || Ka = Hash(TT); KcA || KcB = KDF(Ka, nil, "ConfirmationKeys" || AAD). */
function keySchedule(TT: Uint8Array, aad: Uint8Array) {
  const digest = sha256(TT);
  const Ke = digest.slice(0, 16);
  const Ka = digest.slice(16);
  const info = concatBytes(new TextEncoder().encode("ConfirmationKeys"), aad);
  // nil salt: HKDF then uses HashLen zero bytes (RFC 5869 section 2.2).
  const kc = hkdf(sha256, Ka, undefined, info, 32);
  const keys = { Ke, Ka, KcA: kc.slice(0, 16), KcB: kc.slice(16) };
  digest.fill(0);
  kc.fill(0);
  return keys;
}

/** Strict SEC1 uncompressed decoding: on the curve, not the identity (h = 1, so no cofactor step). */
function decodeMessage(bytes: Uint8Array): CurvePoint {
  if (bytes.length !== SPAKE2_MESSAGE_BYTES || bytes[0] !== 0x04) {
    throw pakeMessageError(`message must be a ${SPAKE2_MESSAGE_BYTES}-byte uncompressed point`);
  }
  let point: CurvePoint;
  try {
    point = Point.fromBytes(bytes);
    point.assertValidity();
  } catch (err: unknown) {
    throw pakeMessageError("message is not a point on P-256", err);
  }
  if (point.is0()) throw pakeMessageError("message is the identity point");
  return point;
}

function pakeMessageError(detail: string, cause?: unknown): HandshakeError {
  return new HandshakeError("ERR_PAKE_MESSAGE", `bad SPAKE2 message: ${detail}`, { cause });
}

/** A 32-byte big-endian scalar in [1, n); anything else is a caller bug. */
function toScalar(bytes: Uint8Array, name: string): bigint {
  assert.equal(bytes.length, SCALAR_BYTES, `${name} must be ${SCALAR_BYTES} bytes`);
  const value = bytesToNumberBE(bytes);
  assert.ok(value > 0n && value < ORDER, `${name} must be in [1, n)`);
  return value;
}

/** len(S) || S with len an 8-byte little-endian count (RFC 9382 section 3). */
function lengthPrefixed(part: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + part.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(part.length), true);
  out.set(part, 8);
  return out;
}
