import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hasCode } from "../../errors.js";
import { type CborValue, decodeCborStrict, encodeCbor } from "../strict-cbor.js";
import { decodeEnvelope, type EnvelopeMessage, encodeEnvelope } from "./envelope.js";
import { decodeRpcMessage } from "./messages.js";

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ""), "hex");

/** The array the generic encoder is given for `m`. */
function fields(m: EnvelopeMessage): unknown[] {
  if (m.type === 0) return [0, m.id, m.service, m.payload ?? null];
  if (m.type === 1) return [1, m.service, m.payload ?? null];
  if (m.type === 2) return [2, m.id, m.payload ?? null];
  return [4, m.id];
}

const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }),
    fc.string(),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
  ),
})).value;

const message: fc.Arbitrary<EnvelopeMessage> = fc.record({
  type: fc.constantFrom(0, 1, 2, 4),
  id: fc.oneof(
    fc.integer({ min: 1, max: 30 }),
    fc.integer({ min: 1, max: 70_000 }),
    fc.maxSafeInteger().filter((n) => n >= 1),
  ),
  service: fc.stringMatching(/^[A-Za-z0-9._/-]{1,64}$/),
  payload: cborValue,
});

test("the envelope bytes are the generic encoder's, and read back the same", () => {
  fc.assert(
    fc.property(message, (m) => {
      const expected = Buffer.from(encodeCbor(fields(m)));
      const bytes = encodeEnvelope(m, 0)!;
      assert.equal(bytes.toString("hex"), expected.toString("hex"));
      const read = decodeEnvelope(bytes);
      assert.notEqual(read, undefined);
      assert.deepEqual(fields(read!), decodeCborStrict(bytes, "X"));
    }),
    { numRuns: 500 },
  );
});

test("a prefix is left free in front of the body", () => {
  const out = encodeEnvelope({ type: 4, id: 7 }, 4)!;
  assert.equal(out.subarray(4).toString("hex"), "820407");
});

test("a byte-string payload comes back as the strict decoder gives it", () => {
  for (const body of [hex("83 02 01 43 010203"), new Uint8Array(hex("83 02 01 43 010203"))]) {
    const generic = (decodeCborStrict(body, "X") as CborValue[])[2];
    const read = decodeEnvelope(body)!.payload;
    assert.equal(Object.getPrototypeOf(read), Object.getPrototypeOf(generic));
    assert.deepEqual(read, generic);
  }
});

test("what the envelope reader is not sure of goes to the strict decoder", () => {
  const unsure = [
    "84 00 18 07 64 70696e67 f6", // id 7 in a long form
    "84 00 00 64 70696e67 f6", // id 0
    "84 00 1b 0020000000000000 64 70696e67 f6", // id 2^53
    "84 00 07 78 04 70696e67 f6", // service length in a long form
    "84 00 07 64 70696e21 f6", // "pin!" is not a token
    "84 00 07 60 f6", // empty service
    "84 00 07 64 70696e67 f6 00", // a byte after the payload
    "84 00 07 64 70696e67 43 0102", // a short byte string
    "84 00 07 64 70696e67 f7", // undefined
    "83 00 07 64 70696e67", // too few fields
    "83 02 07 59 0003 010203", // byte-string length in a long form
    "83 03 07 f6", // ERROR: always the generic path
    "82 04 07 00", // CANCEL with a trailing byte
  ];
  for (const text of unsure) {
    assert.equal(decodeEnvelope(hex(text)), undefined, text);
    assert.throws(
      () => decodeRpcMessage(hex(text)),
      (err) => hasCode(err, "ERR_RPC_INVALID"),
      text,
    );
  }
});

test("payload nesting counts the envelope as one level, as the strict decoder does", () => {
  const nested = (depth: number): CborValue => (depth === 0 ? 1 : [nested(depth - 1)]);
  const ok = encodeEnvelope({ type: 2, id: 1, payload: nested(63) }, 0)!;
  assert.notEqual(decodeEnvelope(ok), undefined);
  const deep = encodeEnvelope({ type: 2, id: 1, payload: nested(64) }, 0)!;
  assert.equal(decodeEnvelope(deep), undefined);
  assert.throws(
    () => decodeRpcMessage(deep),
    (err) => hasCode(err, "ERR_RPC_INVALID"),
  );
});
