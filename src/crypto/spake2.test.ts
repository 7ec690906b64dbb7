import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { HandshakeError, hasCode } from "../errors.js";
import {
  createSpake2,
  createSpake2WithEphemeral,
  derivePasswordScalar,
  SPAKE2_M,
  SPAKE2_N,
  type Spake2,
  type Spake2Options,
} from "./spake2.js";

interface Vector {
  A: string;
  B: string;
  w: string;
  x: string;
  pA: string;
  y: string;
  pB: string;
  K: string;
  TT: string;
  Ke: string;
  Ka: string;
  KcA: string;
  KcB: string;
  cA: string;
  cB: string;
}

const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/spake2/rfc9382.json", import.meta.url), "utf8"),
) as { M: string; N: string; vectors: Vector[] };

const ascii = (text: string) => new TextEncoder().encode(text);
const isHandshakeError = (code: string) => (err: unknown) =>
  err instanceof HandshakeError && err.code === code;

/** Runs both sides to the end: A and B exchange messages and confirmations. */
function run(a: Spake2, b: Spake2) {
  const resultA = a.finish(b.message());
  const resultB = b.finish(a.message());
  return { resultA, resultB };
}

function pair(w: Uint8Array, extra: Partial<Spake2Options> = {}) {
  const a = createSpake2({ role: "A", w, ...extra });
  const b = createSpake2({ role: "B", w, ...extra });
  return { a, b };
}

const randomW = () => p256.utils.randomSecretKey();

test("M and N are the RFC's points, regenerated from their seeds", () => {
  // RFC 9382 section 6: hash the seed repeatedly until the bytes decode as a point.
  const iterated = (seed: Uint8Array, n: number) => {
    let h = seed;
    for (let i = 0; i < n; i++) h = sha256(h);
    return h;
  };
  for (const [tag, point, hex] of [
    ["M", SPAKE2_M, fixture.M],
    ["N", SPAKE2_N, fixture.N],
  ] as const) {
    const seed = ascii(`1.2.840.10045.3.1.7 point generation seed (${tag})`);
    let found: string | undefined;
    for (let i = 1; !found; i++) {
      const bytes = new Uint8Array([...iterated(seed, i), ...iterated(seed, i + 1)]).slice(0, 33);
      bytes[0] = 2 + (bytes[0]! & 1);
      try {
        found = bytesToHex(p256.Point.fromBytes(bytes).toBytes(true));
      } catch {
        // Not on the curve: the RFC's procedure moves on to the next counter.
      }
    }
    assert.equal(found, hex);
    assert.equal(bytesToHex(point.toBytes(true)), hex);
  }
});

for (const v of fixture.vectors) {
  test(`reproduces RFC 9382 Appendix B, A='${v.A}' B='${v.B}', byte for byte`, () => {
    const common = { w: hexToBytes(v.w), idA: ascii(v.A), idB: ascii(v.B) };
    const a = createSpake2WithEphemeral({ role: "A", ...common }, hexToBytes(v.x));
    const b = createSpake2WithEphemeral({ role: "B", ...common }, hexToBytes(v.y));
    assert.equal(bytesToHex(a.message()), v.pA);
    assert.equal(bytesToHex(b.message()), v.pB);

    const { resultA, resultB } = run(a, b);
    for (const side of [a, b]) {
      const trace = side.trace();
      assert.ok(trace);
      assert.equal(bytesToHex(trace.K), v.K);
      assert.equal(bytesToHex(trace.TT), v.TT);
      assert.equal(bytesToHex(trace.Ke), v.Ke);
      assert.equal(bytesToHex(trace.Ka), v.Ka);
      assert.equal(bytesToHex(trace.KcA), v.KcA);
      assert.equal(bytesToHex(trace.KcB), v.KcB);
    }
    assert.equal(bytesToHex(resultA.sharedKey), v.Ke);
    assert.equal(bytesToHex(resultB.sharedKey), v.Ke);
    assert.equal(bytesToHex(resultA.confirmation), v.cA);
    assert.equal(bytesToHex(resultB.confirmation), v.cB);
    b.verify(resultA.confirmation);
    a.verify(resultB.confirmation);
  });
}

test("matching passwords give equal keys and both confirmations verify", async () => {
  const ids = { idA: ascii("waiting"), idB: ascii("joining") };
  const w = await derivePasswordScalar("7-amber-rocket", ids);
  const { a, b } = pair(w, { ...ids, aad: ascii("walkie/1") });
  const { resultA, resultB } = run(a, b);
  assert.equal(resultA.sharedKey.length, 16);
  assert.deepEqual(resultA.sharedKey, resultB.sharedKey);
  assert.notDeepEqual(resultA.confirmation, resultB.confirmation);
  b.verify(resultA.confirmation);
  a.verify(resultB.confirmation);
});

test("a wrong password fails verification on both sides", async () => {
  const a = createSpake2({ role: "A", w: await derivePasswordScalar("7-amber-rocket") });
  const b = createSpake2({ role: "B", w: await derivePasswordScalar("7-amber-rockel") });
  const { resultA, resultB } = run(a, b);
  assert.notDeepEqual(resultA.sharedKey, resultB.sharedKey);
  assert.throws(() => b.verify(resultA.confirmation), isHandshakeError("ERR_PAKE"));
  assert.throws(() => a.verify(resultB.confirmation), isHandshakeError("ERR_PAKE"));
});

test("different identities or AAD fail verification", () => {
  const w = randomW();
  for (const [extraA, extraB] of [
    [{ idA: ascii("alice") }, { idA: ascii("mallory") }],
    [{ idB: ascii("bob") }, {}],
    [{ aad: ascii("walkie/1") }, { aad: ascii("walkie/2") }],
  ] as const) {
    const a = createSpake2({ role: "A", w, ...extraA });
    const b = createSpake2({ role: "B", w, ...extraB });
    const { resultA } = run(a, b);
    assert.throws(() => b.verify(resultA.confirmation), isHandshakeError("ERR_PAKE"));
  }
});

test("a message replayed from another session fails verification", () => {
  const w = randomW();
  const old = pair(w);
  const oldResult = run(old.a, old.b);
  // A fresh A gets the old B's message and confirmation: its own x differs, so K differs.
  const a = createSpake2({ role: "A", w });
  const result = a.finish(old.b.message());
  assert.notDeepEqual(result.sharedKey, oldResult.resultA.sharedKey);
  assert.throws(() => a.verify(oldResult.resultB.confirmation), isHandshakeError("ERR_PAKE"));
});

test("a tampered or truncated confirmation is rejected", () => {
  const w = randomW();
  for (const [tamper, code] of [
    [(c: Uint8Array) => c.map((byte, i) => (i === 31 ? byte ^ 1 : byte)), "ERR_PAKE"],
    [(c: Uint8Array) => c.subarray(0, 16), "ERR_PAKE_MESSAGE"],
    [(c: Uint8Array) => new Uint8Array([...c, 0]), "ERR_PAKE_MESSAGE"],
  ] as const) {
    const { a, b } = pair(w);
    const { resultB } = run(a, b);
    assert.throws(() => a.verify(tamper(resultB.confirmation)), isHandshakeError(code));
  }
});

test("peer messages that are not valid points are rejected", () => {
  const w = randomW();
  const valid = createSpake2({ role: "B", w }).message();
  const offCurve = valid.slice();
  offCurve[64]! ^= 1;
  const xTooBig = valid.slice();
  xTooBig.fill(0xff, 1, 33);
  const hybrid = valid.slice();
  hybrid[0] = 0x06;
  // pB = w*N makes pB - w*N the identity, so K would be the identity too.
  const cancelsMask = SPAKE2_N.multiply(BigInt(`0x${bytesToHex(w)}`)).toBytes(false);
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["identity (SEC1 0x00)", new Uint8Array([0])],
    ["all zeros", new Uint8Array(65)],
    ["compressed", p256.Point.fromBytes(valid).toBytes(true)],
    ["hybrid prefix", hybrid],
    ["not on the curve", offCurve],
    ["x not below p", xTooBig],
    ["one byte too long", new Uint8Array([...valid, 0])],
    ["masked identity", cancelsMask],
  ];
  for (const [name, bytes] of cases) {
    const a = createSpake2({ role: "A", w });
    assert.throws(() => a.finish(bytes), isHandshakeError("ERR_PAKE_MESSAGE"), name);
  }
  const a = createSpake2({ role: "A", w });
  assert.throws(() => a.finish(a.message()), isHandshakeError("ERR_PAKE_MESSAGE"), "reflected");
  // The off-curve case keeps the library's error as the cause.
  const err = (() => {
    try {
      createSpake2({ role: "A", w }).finish(offCurve);
    } catch (caught: unknown) {
      return caught;
    }
  })();
  assert.ok(err instanceof HandshakeError && err.cause instanceof Error);
});

test("garbage into finish() only ever throws HandshakeError", () => {
  const w = randomW();
  const valid = createSpake2({ role: "B", w }).message();
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.uint8Array({ minLength: 64, maxLength: 64 }).map((tail) => new Uint8Array([4, ...tail])),
    fc
      .tuple(fc.nat({ max: 64 }), fc.integer({ min: 1, max: 255 }))
      .map(([i, flip]) => valid.map((byte, j) => (j === i ? byte ^ flip : byte))),
  );
  fc.assert(
    fc.property(garbage, fc.uint8Array({ maxLength: 40 }), (bytes, confirmation) => {
      const a = createSpake2({ role: "A", w });
      try {
        a.finish(bytes);
        a.verify(confirmation);
        return false; // a random confirmation must never verify
      } catch (err: unknown) {
        return (
          err instanceof HandshakeError &&
          (hasCode(err, "ERR_PAKE") || hasCode(err, "ERR_PAKE_MESSAGE"))
        );
      }
    }),
    { numRuns: 300 },
  );
});

test("a session is used once: finish twice or verify early is a bug", () => {
  const { a, b } = pair(randomW());
  assert.throws(() => a.verify(new Uint8Array(32)), { name: "AssertionError" });
  a.finish(b.message());
  assert.throws(() => a.finish(b.message()), { name: "AssertionError" });
});

test("derivePasswordScalar is deterministic, bound to the identities, and in [1, n)", async () => {
  const n = p256.Point.Fn.ORDER;
  const ids = { idA: ascii("a"), idB: ascii("b") };
  const w1 = await derivePasswordScalar("7-amber-rocket", ids);
  assert.equal(w1.length, 32);
  assert.deepEqual(await derivePasswordScalar("7-amber-rocket", ids), w1);
  assert.notDeepEqual(await derivePasswordScalar("7-amber-rocket"), w1);
  // Moving a byte between the identities must change the salt (length prefixes).
  const moved = { idA: ascii("ab"), idB: ascii("") };
  assert.notDeepEqual(
    await derivePasswordScalar("x", moved),
    await derivePasswordScalar("x", { idA: ascii("a"), idB: ascii("b") }),
  );
  const value = BigInt(`0x${bytesToHex(w1)}`);
  assert.ok(value > 0n && value < n);
});
