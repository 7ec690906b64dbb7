import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { generateKeyPair } from "../crypto/noise/index.js";
import { createSpake2 } from "../crypto/spake2.js";
import { hasCode } from "../errors.js";
import { createMemoryDuplexPair } from "../transport/index.js";
import { LinkMode, runHandshake } from "./handshake.js";
import { MessageReader } from "./message-reader.js";
import {
  CodePurpose,
  createCodeSlot,
  initiatePake,
  pairingScalar,
  respondPake,
} from "./pake-exchange.js";

let right: Uint8Array;
let wrong: Uint8Array;
before(async () => {
  [right, wrong] = await Promise.all([
    pairingScalar("7-amber-rocket"),
    pairingScalar("7-amber-rabbit"),
  ]);
});

/** A memory connection whose bytes are recorded per direction. */
function wire() {
  const [a, b] = createMemoryDuplexPair();
  const sent = { byInitiator: [] as Buffer[], byResponder: [] as Buffer[] };
  a.on("data", (chunk: Buffer) => sent.byResponder.push(chunk));
  b.on("data", (chunk: Buffer) => sent.byInitiator.push(chunk));
  return {
    initiator: { transport: a, reader: new MessageReader(a) },
    responder: { transport: b, reader: new MessageReader(b) },
    sent,
  };
}

/** Runs both sides; the initiator confirms as the handshake would. */
async function exchange(initiatorW: Uint8Array, slot: ReturnType<typeof createCodeSlot>) {
  const { initiator, responder, sent } = wire();
  const [i, r] = await Promise.allSettled([
    initiatePake(initiator, initiatorW).then(async (pake) => {
      await pake.confirm();
      return pake.psk;
    }),
    respondPake(responder, slot),
  ]);
  return { i, r, sent };
}

/** A responder or initiator end with a reader, and the raw other end for a hand-made peer. */
function rawPeer() {
  const [raw, end] = createMemoryDuplexPair();
  const received: Buffer[] = [];
  raw.on("data", (chunk: Buffer) => received.push(chunk));
  const next = (): Promise<Buffer> =>
    received.length > 0
      ? Promise.resolve(received.shift()!)
      : new Promise((resolve) => raw.once("data", () => resolve(received.shift()!)));
  return { raw, next, io: { transport: end, reader: new MessageReader(end) } };
}

const codeOf = (result: PromiseSettledResult<unknown>): string | undefined =>
  result.status === "rejected" ? (result.reason as { code?: string }).code : undefined;

/** One length-prefixed message with a status byte, as the responder sends it. */
const reply = (status: number, body: Buffer): Buffer => {
  const out = Buffer.alloc(3 + body.length);
  out.writeUInt16BE(1 + body.length, 0);
  out[2] = status;
  body.copy(out, 3);
  return out;
};

describe("pairing PAKE exchange", () => {
  test("the right code gives both sides the same 32-byte PSK and uses the code", async () => {
    const slot = createCodeSlot(right);
    const { i, r } = await exchange(right, slot);
    assert.equal(i.status, "fulfilled");
    assert.equal(r.status, "fulfilled");
    if (i.status !== "fulfilled" || r.status !== "fulfilled") return;
    assert.equal(i.value.length, 32);
    assert.deepEqual(i.value, r.value);
    assert.equal(slot.state, "used");
  });

  test("a wrong code fails on both sides with ERR_BAD_CODE and burns the code", async () => {
    const settled: boolean[] = [];
    const slot = createCodeSlot(right, (ok) => settled.push(ok));
    const { i, r } = await exchange(wrong, slot);
    assert.equal(codeOf(i), "ERR_BAD_CODE");
    assert.equal(codeOf(r), "ERR_BAD_CODE");
    assert.equal(slot.state, "burned");
    assert.deepEqual(settled, [false]);
  });

  test("the responder sends only pB and a refusal to a wrong code: nothing to guess offline", async () => {
    const slot = createCodeSlot(right);
    const { sent } = await exchange(wrong, slot);
    const bytes = Buffer.concat(sent.byResponder);
    // 2 + 1 + 65 bytes of pB (a uniformly random point), then 01 "ERR_BAD_CODE"; no cB.
    assert.equal(bytes.length, 68 + 3 + "ERR_BAD_CODE".length);
    assert.equal(bytes.subarray(68).toString("latin1", 3), "ERR_BAD_CODE");
  });

  test("after a burn every attempt is refused with ERR_CODE_BURNED before any PAKE work", async () => {
    const slot = createCodeSlot(right);
    await exchange(wrong, slot);
    const { i, r, sent } = await exchange(right, slot);
    assert.equal(codeOf(i), "ERR_CODE_BURNED");
    assert.equal(codeOf(r), "ERR_CODE_BURNED");
    assert.equal(Buffer.concat(sent.byResponder).length, 3 + "ERR_CODE_BURNED".length);
  });

  test("a used code refuses later attempts with ERR_CODE_USED", async () => {
    const slot = createCodeSlot(right);
    await exchange(right, slot);
    const { i, r } = await exchange(right, slot);
    assert.equal(codeOf(i), "ERR_CODE_USED");
    assert.equal(codeOf(r), "ERR_CODE_USED");
  });

  test("two attempts at once: one is checked, the other refused, never both", async () => {
    const slot = createCodeSlot(right);
    const [first, second] = await Promise.all([exchange(wrong, slot), exchange(wrong, slot)]);
    const codes = [codeOf(first.r), codeOf(second.r)].sort();
    assert.deepEqual(codes, ["ERR_BAD_CODE", "ERR_CODE_BURNED"]);
  });

  test("a replayed initiator message fails with ERR_BAD_CODE", async () => {
    const original = await exchange(right, createCodeSlot(right));
    assert.equal(original.r.status, "fulfilled");
    const recorded = Buffer.concat(original.sent.byInitiator); // pA || cA, framed
    const slot = createCodeSlot(right);
    const { raw, next, io } = rawPeer();
    const refused = respondPake(io, slot);
    await next(); // a fresh pB, which the replayer cannot use
    raw.write(recorded);
    await assert.rejects(refused, (err) => hasCode(err, "ERR_BAD_CODE"));
    assert.equal(slot.state, "burned");
  });

  test("a replayed responder message fails on the initiator with ERR_BAD_CODE", async () => {
    const original = await exchange(right, createCodeSlot(right));
    const [pB, cB] = original.sent.byResponder; // written separately: 00 pB, then 00 cB
    assert.ok(pB && cB);
    const { raw, io } = rawPeer();
    raw.write(Buffer.concat([pB, cB]));
    const pake = await initiatePake(io, right);
    await assert.rejects(pake.confirm(), (err) => hasCode(err, "ERR_BAD_CODE"));
  });

  test("a malformed pA is refused with ERR_PAKE_MESSAGE and does not burn the code", async () => {
    const slot = createCodeSlot(right);
    const { raw, io } = rawPeer();
    const result = respondPake(io, slot);
    const junk = Buffer.alloc(2 + 97, 0x04);
    junk.writeUInt16BE(97, 0);
    raw.write(junk);
    await assert.rejects(result, (err) => hasCode(err, "ERR_PAKE_MESSAGE"));
    assert.equal(slot.state, "open");
  });

  test("an initiator that leaves after pB does not burn the code", async () => {
    const slot = createCodeSlot(right);
    const { raw, next, io } = rawPeer();
    const result = respondPake(io, slot);
    await next();
    raw.end();
    await assert.rejects(result, (err) => hasCode(err, "ERR_HANDSHAKE_ABORTED"));
    assert.equal(slot.state, "open");
  });

  test("a responder refusal with a malformed error code is ERR_PAKE_MESSAGE", async () => {
    const { raw, io } = rawPeer();
    raw.write(reply(1, Buffer.from("no spaces allowed")));
    await assert.rejects(initiatePake(io, right), (err) => hasCode(err, "ERR_PAKE_MESSAGE"));
  });

  test("a reflected pA (the responder's own pB) is refused", async () => {
    const slot = createCodeSlot(right);
    const { raw, next, io } = rawPeer();
    const result = respondPake(io, slot);
    const pB = (await next()).subarray(3, 68);
    const fake = createSpake2({ role: "A", w: wrong }).finish(pB).confirmation;
    raw.write(Buffer.concat([Buffer.from([0, 97]), pB, fake]));
    await assert.rejects(result, (err) => hasCode(err, "ERR_PAKE_MESSAGE"));
    assert.equal(slot.state, "open");
  });
});

describe("one-time-code handshake (mode 1)", () => {
  const run = (
    slot: ReturnType<typeof createCodeSlot> | undefined,
    w: Uint8Array,
    mode = LinkMode.Code,
    codePurpose = CodePurpose.Exchange,
  ) => {
    const [a, b] = createMemoryDuplexPair();
    const accept = () => {};
    return Promise.allSettled([
      runHandshake({
        transport: a,
        isInitiator: true,
        keyPair: generateKeyPair(),
        name: "joiner",
        verifyPeer: accept,
        mode: LinkMode.Code,
        codeScalar: Promise.resolve(w),
        codePurpose,
      }),
      runHandshake({
        transport: b,
        isInitiator: false,
        keyPair: generateKeyPair(),
        name: "waiter",
        verifyPeer: accept,
        mode,
        codeSlot: slot,
      }),
    ]);
  };

  test("the right code links both keys with the same handshake hash", async () => {
    const [i, r] = await run(createCodeSlot(right), right);
    assert.equal(i.status, "fulfilled");
    assert.equal(r.status, "fulfilled");
    if (i.status !== "fulfilled" || r.status !== "fulfilled") return;
    assert.equal(i.value.peer.name, "waiter");
    assert.equal(r.value.peer.name, "joiner");
    assert.deepEqual(i.value.handshakeHash, r.value.handshakeHash);
    assert.deepEqual(i.value.sendKey, r.value.receiveKey);
  });

  test("a wrong code fails the handshake on both sides with ERR_BAD_CODE", async () => {
    const [i, r] = await run(createCodeSlot(right), wrong);
    assert.equal(codeOf(i), "ERR_BAD_CODE");
    assert.equal(codeOf(r), "ERR_BAD_CODE");
  });

  test("a code made for pairing, tried for a transfer (and back), is refused with ERR_CODE_PURPOSE and stays open", async () => {
    const pairing = createCodeSlot(right, undefined, CodePurpose.Pair);
    const [i, r] = await run(pairing, right, LinkMode.Code, CodePurpose.Exchange);
    assert.equal(codeOf(i), "ERR_CODE_PURPOSE");
    assert.equal(codeOf(r), "ERR_CODE_PURPOSE");
    assert.equal(pairing.state, "open");
    const [again] = await run(pairing, right, LinkMode.Code, CodePurpose.Pair);
    assert.equal(again.status, "fulfilled");
    assert.equal(pairing.state, "used");

    const exchange = createCodeSlot(right); // a `walkie send` code
    const [asPair] = await run(exchange, right, LinkMode.Code, CodePurpose.Pair);
    assert.equal(codeOf(asPair), "ERR_CODE_PURPOSE");
    assert.equal(exchange.state, "open");
  });

  test("a code link to a side that waits for no code fails with ERR_NO_CODE", async () => {
    const [i, r] = await run(undefined, right, LinkMode.Known);
    assert.equal(codeOf(i), "ERR_NO_CODE");
    assert.equal(codeOf(r), "ERR_NO_CODE");
  });
});
