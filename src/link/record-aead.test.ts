// Records against published vectors (cacophony's Noise ChaChaPoly transport
// messages), on both AEAD implementations, and across them.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { fromHex, vectorSide, vectors } from "../../test/helpers/cacophony.js";
import {
  type AeadBackend,
  aeadBackend,
  createRecordAead,
  libsodiumAvailable,
} from "./record-aead.js";
import { RecordOpener, RecordSealer } from "./records.js";

const PREBUILT = join(
  dirname(createRequire(import.meta.url).resolve("sodium-native")),
  "prebuilds",
  `${process.platform}-${process.arch}`,
);
// Where sodium-native ships no addon for this platform only node:crypto is tested.
const BACKENDS: AeadBackend[] = existsSync(PREBUILT)
  ? ["libsodium", "node:crypto"]
  : ["node:crypto"];

test("libsodium loads wherever sodium-native ships an addon for the platform", () => {
  // Fails if the optional dependency stopped loading: links would quietly spend 4x the CPU per small record.
  assert.equal(libsodiumAvailable(), existsSync(PREBUILT));
  const expected = process.env.WALKIE_CRYPTO === "node" || !existsSync(PREBUILT);
  assert.equal(aeadBackend(), expected ? "node:crypto" : "libsodium");
});

for (const name of ["Noise_XX_25519_ChaChaPoly_SHA256", "Noise_XXpsk3_25519_ChaChaPoly_SHA256"]) {
  for (const backend of BACKENDS) {
    test(`${backend}: records are ${name}'s transport messages (cacophony vectors)`, () => {
      const v = vectors.find((vector) => vector.name === name)!;
      const init = vectorSide(v, "init");
      const resp = vectorSide(v, "resp");
      let i = 0;
      for (; !(init.complete && resp.complete); i++) {
        const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
        reader.readMessage(writer.writeMessage(fromHex(v.messages[i]!.payload)));
      }
      const [a, b] = [init.split(), resp.split()];
      const side = (send: Buffer, receive: Buffer) => ({
        sealer: new RecordSealer(send, backend),
        opener: new RecordOpener(receive, backend),
      });
      const initiator = side(Buffer.from(a.send.k!), Buffer.from(a.receive.k!));
      const responder = side(Buffer.from(b.send.k!), Buffer.from(b.receive.k!));
      assert.ok(v.messages.length - i >= 3, "the vector has transport messages both ways");
      for (; i < v.messages.length; i++) {
        const [from, to] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
        const { payload, ciphertext } = v.messages[i]!;
        const record = from.sealer.seal([fromHex(payload)]);
        assert.equal(record.readUInt16BE(0), ciphertext.length / 2);
        assert.equal(record.subarray(2).toString("hex"), ciphertext, `transport message ${i}`);
        const opened: Buffer[] = [];
        to.opener.push(record, (plaintext) => opened.push(plaintext));
        assert.deepEqual(
          opened.map((p) => p.toString("hex")),
          [payload],
        );
      }
    });
  }
}

// From 8 bytes: a record carries at least one frame header.
test("either implementation opens what the other sealed, at any size", () => {
  fc.assert(
    fc.property(fc.integer({ min: 8, max: 65_519 }), fc.boolean(), (size, sodiumSeals) => {
      const key = randomBytes(32);
      const [sealWith, openWith] = sodiumSeals ? BACKENDS : [...BACKENDS].reverse();
      if (openWith === undefined) return; // one implementation only
      const plaintext = randomBytes(size);
      const record = new RecordSealer(key, sealWith).seal([plaintext]);
      const opened: Buffer[] = [];
      new RecordOpener(key, openWith).push(record, (p) => opened.push(p));
      assert.deepEqual(opened, [plaintext]);
    }),
    { numRuns: 50 },
  );
});

for (const backend of BACKENDS) {
  test(`${backend}: a changed tag, body, nonce or key does not open`, () => {
    const key = randomBytes(32);
    const nonce = Buffer.alloc(12);
    const aead = createRecordAead(key, backend);
    const box = Buffer.concat([Buffer.from("sensor 7 reads 21.5 C"), Buffer.alloc(16)]);
    aead.sealInPlace(nonce, box);
    assert.equal(aead.open(nonce, box)?.toString(), "sensor 7 reads 21.5 C");
    for (const at of [0, box.length - 1]) {
      const bad = Buffer.from(box);
      bad[at]! ^= 1;
      assert.equal(aead.open(nonce, bad), undefined);
    }
    assert.equal(aead.open(Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), box), undefined);
    assert.equal(createRecordAead(randomBytes(32), backend).open(nonce, box), undefined);
  });
}
