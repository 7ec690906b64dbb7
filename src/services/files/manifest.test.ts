import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "cborg";
import fc from "fast-check";
import { hasCode } from "../../errors.js";
import { decodeOffer, EntryKind, encodeOffer, MAX_ENTRIES, type Offer } from "./manifest.js";
import { decodeAccept, decodeFileStart, encodeAccept, encodeFileStart } from "./messages.js";

const id = Buffer.alloc(16, 1);

test("an offer round-trips", () => {
  const offer: Offer = {
    id,
    entries: [
      { path: "dir", kind: EntryKind.Dir, size: 0, mode: 0o755, mtimeMs: 1_700_000_000_000 },
      { path: "dir/a.txt", kind: EntryKind.File, size: 5, mode: 0o644, mtimeMs: 1_700_000_000_123 },
      { path: "dir/l", kind: EntryKind.Symlink, size: 0, mode: 0o777, mtimeMs: 0, target: "a.txt" },
    ],
  };
  assert.deepEqual(decodeOffer(encodeOffer(offer)), offer);
  const text = { id, entries: [], text: "hi ✓" };
  assert.deepEqual(decodeOffer(encodeOffer(text)), text);
  const stream: Offer = {
    id,
    entries: [{ path: "stdin", kind: EntryKind.File, size: null, mode: 0o644, mtimeMs: 5 }],
  };
  assert.deepEqual(decodeOffer(encodeOffer(stream)), stream);
});

function bad(value: unknown, code = "ERR_BAD_OFFER"): void {
  assert.throws(
    () => decodeOffer(encode(value)),
    (err) => hasCode(err, code),
    JSON.stringify(value),
  );
}

test("malformed offers are refused with ERR_BAD_OFFER", () => {
  const file = ["a", 0, 1, 0o644, 0];
  bad([1, 2]);
  bad({ v: 2, id, e: [file] });
  bad({ v: 1, id: Buffer.alloc(15), e: [file] });
  bad({ v: 1, id, e: [] });
  bad({ v: 1, id, e: [file], text: "both" });
  bad({ v: 1, id, e: [["a", 3, 1, 0o644, 0]] });
  bad({ v: 1, id, e: [["a", 0, -1, 0o644, 0]] });
  bad({ v: 1, id, e: [["a", 0, 2 ** 53, 0o644, 0]] });
  bad({ v: 1, id, e: [["a", 0, 1.5, 0o644, 0]] });
  bad({ v: 1, id, e: [["a", 0, 1, 0o10000, 0]] });
  bad({ v: 1, id, e: [["a", 1, 5, 0o755, 0]] });
  bad({ v: 1, id, e: [["a", 2, 0, 0o777, 0]] });
  bad({
    v: 1,
    id,
    e: [
      ["a", 0, null, 0o644, 0],
      ["b", 0, 1, 0o644, 0],
    ],
  });
  bad({ v: 1, id, e: [[1, 0, 1, 0o644, 0]] });
  assert.throws(
    () => decodeOffer(Buffer.from([0xbf])),
    (err) => hasCode(err, "ERR_BAD_OFFER"),
  );
  assert.throws(
    () => decodeOffer(Buffer.from([0x62, 0xff, 0xfe])),
    (err) => hasCode(err, "ERR_BAD_OFFER"),
  );
});

test("a million entries are refused at the array header", () => {
  // A map {v: 1, id, e: [...]} whose array header claims a million items; none is there.
  const bytes = Buffer.concat([
    Buffer.from([0xa3, 0x61, 0x76, 0x01, 0x62, 0x69, 0x64, 0x50]),
    id,
    Buffer.from([0x61, 0x65, 0x9a, 0x00, 0x0f, 0x42, 0x40]),
  ]);
  assert.throws(
    () => decodeOffer(bytes),
    (err) => hasCode(err, "ERR_MANIFEST_LIMIT"),
  );
  bad({ v: 1, id, e: [], text: "x".repeat(65 * 1024) }, "ERR_MANIFEST_LIMIT");
  assert.ok(MAX_ENTRIES < 1_000_000);
});

test("ACCEPT and FILE round-trip and refuse garbage", () => {
  const accept = {
    have: [{ index: 3, offset: 10, prefixHash: Buffer.alloc(32, 9) }],
    done: [1, 2],
  };
  assert.deepEqual(decodeAccept(encodeAccept(accept)), accept);
  assert.deepEqual(decodeFileStart(encodeFileStart({ index: 7, offset: 99 })), {
    index: 7,
    offset: 99,
  });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      for (const decode of [decodeAccept, decodeFileStart, decodeOffer]) {
        try {
          decode(bytes);
        } catch (err: unknown) {
          assert.ok(err instanceof Error && "code" in err, String(err));
        }
      }
    }),
  );
});
