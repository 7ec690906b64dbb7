import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hasCode } from "../errors.js";
import { decodeCborStrict, encodeCbor, MAX_CBOR_DEPTH } from "./strict-cbor.js";

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ""), "hex");
const refused = (bytes: Uint8Array) =>
  assert.throws(
    () => decodeCborStrict(bytes, "ERR_TEST"),
    (err) => hasCode(err, "ERR_TEST"),
  );

test("values round-trip: maps, arrays, text, bytes, numbers", () => {
  const value = { a: [1, -2, 3.5, "x", null, true], b: new Uint8Array([1, 2, 3]), "": {} };
  assert.deepEqual(decodeCborStrict(encodeCbor(value), "ERR_TEST"), value);
  fc.assert(
    fc.property(fc.jsonValue(), (json) => {
      // Compared through JSON, which reads -0 as 0; key order is CBOR's canonical one.
      const back = decodeCborStrict(encodeCbor(json), "ERR_TEST");
      const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
      assert.deepEqual(plain(back), plain(json));
    }),
  );
});

test("undefined is refused when encoding (use null)", () => {
  assert.throws(() => encodeCbor([undefined]), TypeError);
  assert.deepEqual(decodeCborStrict(encodeCbor({ a: undefined, b: 1 }), "ERR_TEST"), { b: 1 });
});

test("text strings must be valid UTF-8", () => {
  refused(hex("62 c328")); // "\xc3(" : a broken two-byte sequence
  refused(hex("a1 61c3 01")); // the same in a map key
  refused(hex("7818 ed a0 80 41414141414141414141414141414141414141 41")); // a surrogate, long form
  assert.equal(decodeCborStrict(hex("62 c3a9"), "ERR_TEST"), "é");
});

test("non-shortest forms, indefinite lengths, undefined, tags and big integers are refused", () => {
  refused(hex("1801")); // 1 in two bytes
  refused(hex("9f01ff")); // indefinite array
  refused(hex("f7")); // undefined
  refused(hex("c1 1a 00000000")); // tag 1 (epoch time)
  refused(hex("1b 0020000000000000")); // 2^53
  refused(hex("a2 6161 01 6161 02")); // duplicate key
  refused(hex("a1 01 02")); // integer key
  refused(hex("01 02")); // trailing bytes
  refused(hex("")); // nothing
  refused(hex("62 41")); // truncated
});

test("nesting deeper than the limit is refused, without exhausting the stack", () => {
  const deep = (n: number) => Buffer.concat([Buffer.alloc(n, 0x81), hex("01")]);
  assert.doesNotThrow(() => decodeCborStrict(deep(MAX_CBOR_DEPTH), "ERR_TEST"));
  refused(deep(MAX_CBOR_DEPTH + 1));
  refused(deep(1_000_000));
  refused(Buffer.concat([Buffer.alloc(100_000, 0xa1).fill(Buffer.from([0xa1, 0x60])), hex("01")]));
});

test("a list or map over maxItems is refused at its header, with limitCode", () => {
  const limits = { maxItems: 2, limitCode: "ERR_TEST_LIMIT" };
  assert.deepEqual(decodeCborStrict(hex("82 01 02"), "ERR_TEST", limits), [1, 2]);
  // Announces 2^32-1 items with none behind them: refused before any is read.
  for (const header of ["83 010203", "9a ffffffff", "a3 6161 01 6162 02 6163 03"]) {
    assert.throws(
      () => decodeCborStrict(hex(header), "ERR_TEST", limits),
      (err) => hasCode(err, "ERR_TEST_LIMIT"),
    );
  }
  assert.throws(
    () => decodeCborStrict(hex("83 010203"), "ERR_TEST", { maxItems: 2 }),
    (err) => hasCode(err, "ERR_TEST"),
  );
});

test("maxDepth tightens the nesting limit", () => {
  assert.deepEqual(decodeCborStrict(hex("81 81 01"), "ERR_TEST", { maxDepth: 2 }), [[1]]);
  assert.throws(
    () => decodeCborStrict(hex("81 81 81 01"), "ERR_TEST", { maxDepth: 2 }),
    (err) => hasCode(err, "ERR_TEST"),
  );
});

test("garbage never throws anything but the typed error", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeCborStrict(bytes, "ERR_TEST");
      } catch (err: unknown) {
        assert.ok(hasCode(err, "ERR_TEST"), String(err));
      }
    }),
  );
});
