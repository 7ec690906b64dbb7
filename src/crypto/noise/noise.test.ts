import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fromHex, pairOf, vectorSide, vectors } from "../../../test/helpers/cacophony.js";
import { HandshakeError, hasCode } from "../../errors.js";
import {
  CipherState,
  generateKeyPair,
  getCipher,
  type HandshakeOptions,
  HandshakeState,
  type KeyPair,
  MAX_NONCE,
} from "./index.js";

function isHandshakeError(err: unknown, code = "ERR_HANDSHAKE"): boolean {
  return err instanceof HandshakeError && hasCode(err, code);
}

/** Asserts that `fn` throws a HandshakeError carrying `code`. */
function throwsHandshake(fn: () => unknown, code = "ERR_HANDSHAKE", message?: string): void {
  assert.throws(fn, (err: unknown) => isHandshakeError(err, code), message);
}

test("cacophony vectors are all present", () => {
  // 16 patterns (NN, NK, KK, XK, IK, XX and their psk variants) x 2 ciphers x 4 hashes.
  assert.equal(vectors.length, 128);
});

for (const v of vectors) {
  test(`cacophony ${v.name}`, () => {
    const init = vectorSide(v, "init");
    const resp = vectorSide(v, "resp");
    // Messages alternate, initiator first, through the handshake and on into transport.
    let i = 0;
    for (; !(init.complete && resp.complete); i++) {
      const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
      const { payload, ciphertext } = v.messages[i]!;
      const sent = writer.writeMessage(fromHex(payload));
      assert.equal(sent.toString("hex"), ciphertext, `handshake message ${i}`);
      assert.equal(reader.readMessage(sent).toString("hex"), payload);
    }
    assert.deepEqual(init.handshakeHash, resp.handshakeHash);
    if (v.init_static) assert.deepEqual(resp.remoteStaticKey, pairOf(v.init_static)!.publicKey);
    if (v.resp_static) assert.deepEqual(init.remoteStaticKey, pairOf(v.resp_static)!.publicKey);
    const a = init.split();
    const b = resp.split();
    const ad = Buffer.alloc(0);
    for (; i < v.messages.length; i++) {
      const [sender, receiver] = i % 2 === 0 ? [a.send, b.receive] : [b.send, a.receive];
      const { payload, ciphertext } = v.messages[i]!;
      const sent = sender.encryptWithAd(ad, fromHex(payload));
      assert.equal(sent.toString("hex"), ciphertext, `transport message ${i}`);
      assert.equal(receiver.decryptWithAd(ad, sent).toString("hex"), payload);
    }
  });
}

// --- Behaviour with fresh keys -----------------------------------------------------------------

const initiatorStatic = generateKeyPair();
const responderStatic = generateKeyPair();
const PSK = Buffer.alloc(32, 7);

/** Both sides of `protocolName` with the keys its pattern needs. */
function sides(
  protocolName: string,
  over: { initiator?: Partial<HandshakeOptions>; responder?: Partial<HandshakeOptions> } = {},
) {
  const pattern = /^Noise_([A-Z]+)/.exec(protocolName)![1]!;
  const psks = (protocolName.match(/psk/g) ?? []).map(() => PSK);
  const init = new HandshakeState({
    protocolName,
    initiator: true,
    prologue: Buffer.from("walkie/1"),
    staticKeyPair: pattern[0] === "N" ? undefined : initiatorStatic,
    remoteStaticKey: pattern[1] === "K" ? responderStatic.publicKey : undefined,
    psks,
    ...over.initiator,
  });
  const resp = new HandshakeState({
    protocolName,
    initiator: false,
    prologue: Buffer.from("walkie/1"),
    staticKeyPair: pattern[1] === "N" ? undefined : responderStatic,
    remoteStaticKey: pattern[0] === "K" ? initiatorStatic.publicKey : undefined,
    psks,
    ...over.responder,
  });
  return { init, resp };
}

/** Runs the handshake; `tamper(i, message)` may change message i in flight. */
function run(
  init: HandshakeState,
  resp: HandshakeState,
  tamper?: (i: number, m: Buffer) => Buffer,
) {
  for (let i = 0; !(init.complete && resp.complete); i++) {
    const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
    const message = writer.writeMessage(Buffer.from(`payload ${i}`));
    if (tamper) reader.readMessage(tamper(i, message));
    else assert.equal(reader.readMessage(message).toString(), `payload ${i}`);
  }
}

const PROTOCOLS = [
  "Noise_NN_25519_AESGCM_SHA256",
  "Noise_NK_25519_ChaChaPoly_SHA256",
  "Noise_KK_25519_AESGCM_SHA512",
  "Noise_XK_25519_ChaChaPoly_BLAKE2b",
  "Noise_IK_25519_AESGCM_BLAKE2s",
  "Noise_XX_25519_AESGCM_SHA256",
  "Noise_NNpsk0_25519_ChaChaPoly_SHA256",
  "Noise_XXpsk3_25519_AESGCM_SHA256",
  "Noise_KKpsk0+psk2_25519_ChaChaPoly_SHA512",
];

test("an XX handshake between two fresh sides completes and transports round-trip", () => {
  const { init, resp } = sides("Noise_XX_25519_AESGCM_SHA256");
  run(init, resp);
  assert.deepEqual(init.remoteStaticKey, responderStatic.publicKey);
  assert.deepEqual(resp.remoteStaticKey, initiatorStatic.publicKey);
  assert.deepEqual(init.handshakeHash, resp.handshakeHash);
  const a = init.split();
  const b = resp.split();
  const ad = Buffer.alloc(0);
  for (let i = 0; i < 50; i++) {
    const text = Buffer.from(`message ${i} `.repeat(i + 1));
    const sealed = a.send.encryptWithAd(ad, text);
    assert.equal(sealed.length, text.length + 16);
    assert.ok(!sealed.includes(text), "data looks encrypted");
    assert.deepEqual(b.receive.decryptWithAd(ad, sealed), text);
    assert.deepEqual(a.receive.decryptWithAd(ad, b.send.encryptWithAd(ad, text)), text);
  }
  assert.equal(a.send.n, 50n);
  a.send.rekey();
  b.receive.rekey();
  assert.deepEqual(
    b.receive.decryptWithAd(ad, a.send.encryptWithAd(ad, Buffer.from("after rekey"))),
    Buffer.from("after rekey"),
  );
});

for (const protocolName of PROTOCOLS) {
  test(`every supported pattern completes: ${protocolName}`, () => {
    const { init, resp } = sides(protocolName);
    run(init, resp);
    const a = init.split();
    const b = resp.split();
    assert.deepEqual(
      b.receive.decryptWithAd(
        Buffer.alloc(0),
        a.send.encryptWithAd(Buffer.alloc(0), Buffer.from("hi")),
      ),
      Buffer.from("hi"),
    );
  });

  test(`a flipped bit in any handshake message fails with ERR_HANDSHAKE: ${protocolName}`, () => {
    const { init, resp } = sides(protocolName);
    const lengths: number[] = [];
    run(init, resp, (_, m) => {
      lengths.push(m.length);
      return m;
    });
    // Every bit for XX (what Walkie runs); one bit per byte elsewhere, to keep the suite quick.
    const step = protocolName.includes("_XX") ? 1 : 9;
    lengths.forEach((length, target) => {
      for (let bit = 0; bit < length * 8; bit += step) {
        const fresh = sides(protocolName);
        const flip = (i: number, m: Buffer) => {
          if (i === target) m[bit >> 3]! ^= 1 << (bit & 7);
          return m;
        };
        throwsHandshake(() => run(fresh.init, fresh.resp, flip), "ERR_HANDSHAKE", `bit ${bit}`);
      }
    });
  });
}

test("random garbage into readMessage never throws anything but a HandshakeError", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PROTOCOLS),
      fc.boolean(),
      fc.uint8Array({ maxLength: 400 }),
      (protocolName, secondMessage, garbage) => {
        const { init, resp } = sides(protocolName);
        const reader = secondMessage ? init : resp;
        if (secondMessage) resp.readMessage(init.writeMessage());
        try {
          reader.readMessage(Buffer.from(garbage));
        } catch (err: unknown) {
          if (!isHandshakeError(err)) throw err;
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test("a truncated or oversized handshake message is an ERR_HANDSHAKE, never a RangeError", () => {
  const { init, resp } = sides("Noise_XX_25519_ChaChaPoly_SHA256");
  resp.readMessage(init.writeMessage());
  const message = resp.writeMessage(Buffer.from("hello"));
  for (let length = 0; length < message.length; length++) {
    const fresh = sides("Noise_XX_25519_ChaChaPoly_SHA256");
    fresh.resp.readMessage(fresh.init.writeMessage());
    fresh.resp.writeMessage(Buffer.from("hello"));
    throwsHandshake(() => fresh.init.readMessage(message.subarray(0, length)));
  }
  throwsHandshake(() =>
    sides("Noise_NN_25519_AESGCM_SHA256").resp.readMessage(Buffer.alloc(65536)),
  );
});

test("a wrong psk fails", () => {
  for (const protocolName of [
    "Noise_NNpsk0_25519_AESGCM_SHA256",
    "Noise_XXpsk3_25519_ChaChaPoly_SHA256",
  ]) {
    const { init, resp } = sides(protocolName, { responder: { psks: [Buffer.alloc(32, 8)] } });
    throwsHandshake(() => run(init, resp));
  }
});

test("a different prologue fails", () => {
  const { init, resp } = sides("Noise_XX_25519_AESGCM_SHA256", {
    responder: { prologue: Buffer.from("walkie/2") },
  });
  resp.readMessage(init.writeMessage());
  throwsHandshake(() => init.readMessage(resp.writeMessage()));
});

test("a wrong known static key fails", () => {
  const { init, resp } = sides("Noise_IK_25519_AESGCM_SHA256", {
    initiator: { remoteStaticKey: generateKeyPair().publicKey },
  });
  throwsHandshake(() => resp.readMessage(init.writeMessage()));
});

test("a low-order ephemeral key fails the handshake", () => {
  const { init, resp } = sides("Noise_NK_25519_AESGCM_SHA256");
  const message = init.writeMessage();
  message.fill(0, 0, 32);
  throwsHandshake(() => resp.readMessage(message));
});

test("messages out of turn, after completion or after a failure throw ERR_HANDSHAKE", () => {
  const { init, resp } = sides("Noise_XX_25519_AESGCM_SHA256");
  throwsHandshake(() => resp.writeMessage());
  throwsHandshake(() => init.readMessage(Buffer.alloc(48)));
  throwsHandshake(() => init.split());
  run(init, resp);
  throwsHandshake(() => init.writeMessage());
  throwsHandshake(() => resp.readMessage(Buffer.alloc(64)));
  init.split();
  throwsHandshake(() => init.split());

  const failed = sides("Noise_XX_25519_AESGCM_SHA256");
  failed.resp.readMessage(failed.init.writeMessage());
  throwsHandshake(() => failed.init.readMessage(Buffer.alloc(96)));
  throwsHandshake(() => failed.init.writeMessage());
});

test("a payload that makes the message exceed 65535 bytes is refused", () => {
  const { init } = sides("Noise_NN_25519_AESGCM_SHA256");
  throwsHandshake(() => init.writeMessage(Buffer.alloc(65535 - 31)), "ERR_HANDSHAKE_PAYLOAD");
  assert.equal(init.writeMessage(Buffer.alloc(65535 - 32)).length, 65535);
});

test("options a pattern cannot use are a TypeError", () => {
  const bad: Partial<HandshakeOptions>[] = [
    { protocolName: "Noise_XX_448_AESGCM_SHA256" }, // only 25519
    { protocolName: "Noise_ZZ_25519_AESGCM_SHA256" }, // unknown pattern
    { protocolName: "Noise_XX_25519_AESGCM_SHA256" }, // no static key pair
    { protocolName: "Noise_NK_25519_AESGCM_SHA256" }, // no remote static key
    { protocolName: "Noise_NNpsk0_25519_AESGCM_SHA256" }, // no psk
    { protocolName: "Noise_NNpsk3_25519_AESGCM_SHA256", psks: [PSK] }, // no third message
    { protocolName: "Noise_NN_25519_AESGCM_SHA256", psks: [PSK] }, // psk without modifier
  ];
  for (const opts of bad) {
    assert.throws(
      () => new HandshakeState({ initiator: true, protocolName: "", ...opts }),
      TypeError,
    );
  }
});

test("ephemeral secrets are zeroed once used and the state after split", () => {
  const ephemeral = generateKeyPair();
  const secret = Buffer.from(ephemeral.secretKey);
  const { init, resp } = sides("Noise_XX_25519_AESGCM_SHA256", {
    initiator: { ephemeralKeyPair: ephemeral },
  });
  run(init, resp);
  assert.deepEqual(ephemeral.secretKey, secret, "the caller's copy is left alone");
  const internal = init as unknown as { e: KeyPair; symmetric: { ck: Buffer } };
  assert.ok(internal.e.secretKey.every((byte) => byte === 0));
  init.split();
  assert.ok(internal.symmetric.ck.every((byte) => byte === 0));
  resp.destroy();
  throwsHandshake(() => resp.split());
});

test("a CipherState refuses the last nonce, rejects forgeries and rekeys as the spec says", () => {
  const cipher = getCipher("ChaChaPoly")!;
  const key = Buffer.alloc(32, 1);
  const sender = new CipherState(cipher, Buffer.from(key));
  sender.n = MAX_NONCE - 1n;
  const sealed = sender.encryptWithAd(Buffer.alloc(0), Buffer.from("last"));
  assert.throws(
    () => sender.encryptWithAd(Buffer.alloc(0), Buffer.from("one more")),
    (err) => hasCode(err, "ERR_NONCE_EXHAUSTED"),
  );
  const receiver = new CipherState(cipher, Buffer.from(key));
  receiver.n = MAX_NONCE - 1n;
  sealed[0]! ^= 1;
  assert.throws(
    () => receiver.decryptWithAd(Buffer.alloc(0), sealed),
    (err) => hasCode(err, "ERR_DECRYPT"),
  );
  assert.equal(receiver.n, MAX_NONCE - 1n, "a failed decryption does not use up the nonce");
  assert.throws(
    () => receiver.decryptWithAd(Buffer.alloc(0), Buffer.alloc(15)),
    (err) => hasCode(err, "ERR_DECRYPT"),
  );

  const state = new CipherState(cipher, Buffer.from(key));
  state.rekey();
  const expected = cipher
    .encrypt(key, MAX_NONCE, Buffer.alloc(0), Buffer.alloc(32))
    .subarray(0, 32);
  assert.deepEqual(state.k, expected);
  assert.equal(state.n, 0n);
});
