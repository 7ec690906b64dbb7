import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hasCode } from "../errors.js";
import { frameMessage, MessageSplitter } from "./message-framing.js";

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ""), "hex");

test("messages come out whole whatever the chunking, split at every byte", () => {
  const wire = hex("00000003 616263 00000001 78 00000002 7979");
  for (let cut = 0; cut <= wire.length; cut++) {
    const splitter = new MessageSplitter({ maxSize: 10 });
    const out = [...splitter.push(wire.subarray(0, cut)), ...splitter.push(wire.subarray(cut))];
    assert.deepEqual(
      out.map((b) => b.toString()),
      ["abc", "x", "yy"],
    );
    assert.equal(splitter.pendingBytes, 0);
  }
});

test("round trip of random messages in random chunks", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
      (messages, sizes) => {
        const wire = Buffer.concat(messages.map((m) => frameMessage(m)));
        const splitter = new MessageSplitter({ maxSize: 300 });
        const out: Buffer[] = [];
        for (let at = 0, i = 0; at < wire.length; i++) {
          const size = sizes[i % sizes.length]!;
          out.push(...splitter.push(wire.subarray(at, at + size)));
          at += size;
        }
        assert.deepEqual(
          out.map((b) => Buffer.from(b).toString("hex")),
          messages.map((m) => Buffer.from(m).toString("hex")),
        );
      },
    ),
  );
});

test("a length over the limit is refused before its body arrives", () => {
  const splitter = new MessageSplitter({ maxSize: 16, tooLargeCode: "ERR_X_TOO_LARGE" });
  assert.throws(
    () => splitter.push(hex("ffffffff")),
    (err) => hasCode(err, "ERR_X_TOO_LARGE"),
  );
});

test("an empty message is refused unless allowed", () => {
  assert.throws(() => new MessageSplitter({ maxSize: 16 }).push(hex("00000000")));
  const lenient = new MessageSplitter({ maxSize: 16, allowEmpty: true });
  assert.deepEqual(lenient.push(hex("00000000")), [Buffer.alloc(0)]);
});
