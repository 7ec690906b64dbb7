import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { hasCode, WireError } from "../errors.js";
import { encodeTxt, parseTxt, parseTxtEntries } from "./txt.js";

const bytes = (...strings: string[]): Uint8Array[] => strings.map((s) => Buffer.from(s));
const texts = (strings: Uint8Array[]): string[] => strings.map((s) => Buffer.from(s).toString());

function expectBadTxt(strings: readonly unknown[]): void {
  assert.throws(
    () => parseTxt(strings),
    (err: unknown) => hasCode(err, "ERR_MDNS_TXT"),
  );
}

describe("TXT record", () => {
  test("encodes version and id, and the nameplate only while there is one", () => {
    assert.deepEqual(texts(encodeTxt({ version: 1, shortId: "mfrggzdf7", nameplate: null })), [
      "v=1",
      "id=mfrggzdf7",
    ]);
    assert.deepEqual(texts(encodeTxt({ version: 1, shortId: "mfrggzdf7", nameplate: 42 })), [
      "v=1",
      "id=mfrggzdf7",
      "np=42",
    ]);
  });

  test("round-trips", () => {
    const txt = { version: 1, shortId: "ab-12", nameplate: 7 };
    assert.deepEqual(parseTxt(encodeTxt(txt)), txt);
    assert.deepEqual(parseTxt(bytes("v=1", "id=x")), { version: 1, shortId: "x", nameplate: null });
  });

  test("refuses to encode bad values", () => {
    const code = (fn: () => unknown, expected: string) =>
      assert.throws(fn, (err: unknown) => hasCode(err, expected));
    code(() => encodeTxt({ version: 1, shortId: "ABC", nameplate: null }), "ERR_BAD_SHORT_ID");
    code(() => encodeTxt({ version: 1, shortId: "a b", nameplate: null }), "ERR_BAD_SHORT_ID");
    code(
      () => encodeTxt({ version: 1, shortId: "x".repeat(33), nameplate: null }),
      "ERR_BAD_SHORT_ID",
    );
    code(() => encodeTxt({ version: 1, shortId: "ab", nameplate: -1 }), "ERR_BAD_NAMEPLATE");
    code(() => encodeTxt({ version: 1, shortId: "ab", nameplate: 1.5 }), "ERR_BAD_NAMEPLATE");
    code(() => encodeTxt({ version: 1, shortId: "ab", nameplate: 1e10 }), "ERR_BAD_NAMEPLATE");
    code(() => encodeTxt({ version: 0, shortId: "ab", nameplate: null }), "ERR_BAD_VERSION");
  });

  test("keys are case-insensitive, the first one wins, unknown ones are ignored", () => {
    assert.deepEqual(parseTxt(bytes("V=2", "ID=ab", "id=cd", "np=5", "np=6", "zz=1", "flag")), {
      version: 2,
      shortId: "ab",
      nameplate: 5,
    });
    const entries = parseTxtEntries(bytes("flag", "=empty-key", "k=v=w"));
    assert.equal(entries.get("flag"), true);
    assert.equal(entries.has(""), false);
    assert.equal(Buffer.from(entries.get("k") as Uint8Array).toString(), "v=w");
  });

  test("refuses hostile records", () => {
    expectBadTxt(bytes("id=ab")); // no version
    expectBadTxt(bytes("v=1")); // no id
    expectBadTxt(bytes("v=one", "id=ab"));
    expectBadTxt(bytes("v=01", "id=ab"));
    expectBadTxt(bytes("v=1", "id=AB")); // ids are lowercase
    expectBadTxt(bytes("v=1", "id=a b"));
    expectBadTxt(bytes("v=1", "id=-ab"));
    expectBadTxt(bytes("v=1", "id"));
    expectBadTxt(bytes("v=1", "id="));
    expectBadTxt(bytes("v=1", "id=ab", "np=-1"));
    expectBadTxt(bytes("v=1", "id=ab", "np=007"));
    expectBadTxt(bytes("v=1", "id=ab", "np=1234567890"));
    expectBadTxt(bytes("v=1", "id=ab", "np=1e3"));
    expectBadTxt([Buffer.from("v=1"), Uint8Array.of(0x69, 0x64, 0x3d, 0xff, 0xfe)]); // not UTF-8
    expectBadTxt(["v=1", "id=ab"]); // strings, not bytes
    expectBadTxt([null, 7, {}]);
    expectBadTxt("v=1" as unknown as unknown[]);
    expectBadTxt(Array.from({ length: 65 }, () => Buffer.from("a=b")));
    expectBadTxt(Array.from({ length: 10 }, () => Buffer.alloc(200, 0x61)));
    expectBadTxt([Buffer.alloc(256, 0x61)]);
  });

  test("arbitrary records parse or fail with ERR_MDNS_TXT, never otherwise", () => {
    const entry = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom("v=1", "id=ab", "np=3", "v=", "id", "np=x").map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (strings) => {
        try {
          const txt = parseTxt(strings);
          assert.ok(Number.isInteger(txt.version) && txt.version > 0);
          assert.match(txt.shortId, /^[a-z0-9-]+$/);
        } catch (err: unknown) {
          assert.ok(err instanceof WireError && err.code === "ERR_MDNS_TXT", String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
