import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { hasCode, WireError } from "../errors.js";
import { MAX_RECORD_PLAINTEXT, RecordOpener, RecordSealer } from "./records.js";

const key = randomBytes(32);

function sealAll(plaintexts: Buffer[]): Buffer {
  const sealer = new RecordSealer(key);
  return Buffer.concat(plaintexts.map((p) => sealer.seal([p.subarray(0, 3), p.subarray(3)])));
}

function openAll(wire: Buffer, cuts: number[]): Buffer[] {
  const opener = new RecordOpener(key);
  const out: Buffer[] = [];
  let last = 0;
  for (const cut of [...cuts, wire.length]) {
    opener.push(wire.subarray(last, cut), (p) => out.push(p));
    last = cut;
  }
  return out;
}

test("records round-trip when the stream is split at every byte", () => {
  const plaintexts = [randomBytes(8), randomBytes(40), randomBytes(9)];
  const wire = sealAll(plaintexts);
  for (let cut = 0; cut <= wire.length; cut++) {
    assert.deepEqual(openAll(wire, [cut]), plaintexts);
  }
  // and one byte at a time
  assert.deepEqual(
    openAll(
      wire,
      Array.from({ length: wire.length }, (_, i) => i),
    ),
    plaintexts,
  );
});

test("a full-size record round-trips", () => {
  const big = randomBytes(MAX_RECORD_PLAINTEXT);
  assert.deepEqual(openAll(sealAll([big]), [1000, 65_000]), [big]);
});

test("data looks encrypted: the plaintext never appears on the wire", () => {
  const secret = Buffer.from("attack at dawn, attack at dawn, attack at dawn");
  const wire = sealAll([secret, secret]);
  assert.equal(wire.includes(secret.subarray(0, 8)), false);
  // The same plaintext twice gives different ciphertext (nonces advance).
  const first = wire.subarray(2, 2 + secret.length);
  const second = wire.subarray(wire.length - 16 - secret.length, wire.length - 16);
  assert.notDeepEqual(first, second);
});

test("a flipped bit anywhere fails with ERR_DECRYPT or ERR_RECORD_SIZE", () => {
  const wire = sealAll([randomBytes(30)]);
  // A longer length just waits for more bytes; nothing is delivered.
  const longer = Buffer.from(wire);
  longer[1]! ^= 0x40;
  assert.deepEqual(openAll(longer, []), []);
  for (let i = 2; i < wire.length; i++) {
    const bad = Buffer.from(wire);
    bad[i]! ^= 0x01;
    assert.throws(
      () => openAll(bad, []),
      (err) => err instanceof WireError && ["ERR_DECRYPT", "ERR_RECORD_SIZE"].includes(err.code),
    );
  }
});

test("a replayed or reordered record fails authentication", () => {
  const sealer = new RecordSealer(key);
  const one = sealer.seal([randomBytes(20)]);
  const opener = new RecordOpener(key);
  opener.push(one, () => {});
  assert.throws(
    () => opener.push(one, () => {}),
    (err) => hasCode(err, "ERR_DECRYPT"),
  );
});

test("a too-short record length is refused before anything is buffered", () => {
  const opener = new RecordOpener(key);
  assert.throws(
    () => opener.push(Buffer.from([0x00, 0x05]), () => {}),
    (err) => hasCode(err, "ERR_RECORD_SIZE"),
  );
});

test("garbage bytes only ever raise WireError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
      const opener = new RecordOpener(key);
      try {
        opener.push(Buffer.from(bytes), () => assert.fail("garbage must not authenticate"));
      } catch (err) {
        assert.ok(err instanceof WireError, String(err));
      }
    }),
  );
});
