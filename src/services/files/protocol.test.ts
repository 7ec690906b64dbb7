import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hasCode } from "../../errors.js";
import {
  encodeRecord,
  RecordDecoder,
  type RecordEvent,
  RecordType,
  recordHeader,
} from "./protocol.js";

const ALL = Object.values(RecordType).filter((v): v is RecordType => typeof v === "number");

/** Events with DATA pieces joined per record, for comparison. */
function normalize(events: RecordEvent[]): Array<[RecordType, string]> {
  const out: Array<[RecordType, string]> = [];
  for (const event of events) {
    const hex =
      event.type === RecordType.Data ? event.chunk.toString("hex") : event.body.toString("hex");
    const last = out.at(-1);
    if (event.type === RecordType.Data && last?.[0] === RecordType.Data) last[1] += hex;
    else out.push([event.type, hex]);
  }
  return out;
}

test("records split at every byte decode the same", () => {
  const bytes = Buffer.concat([
    encodeRecord(RecordType.File, Buffer.from([0x82, 0x01, 0x00])),
    encodeRecord(RecordType.Data, Buffer.from("hello world")),
    encodeRecord(RecordType.End, Buffer.alloc(32, 0xab)),
    encodeRecord(RecordType.Ack, Buffer.alloc(0)),
  ]);
  const whole = normalize(new RecordDecoder(ALL).push(bytes));
  assert.equal(whole.length, 4);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const decoder = new RecordDecoder(ALL);
    const events = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
    assert.deepEqual(normalize(events), whole, `cut at ${cut}`);
    assert.ok(decoder.atBoundary);
  }
});

test("DATA bodies come out as views, not copies", () => {
  const data = Buffer.from("abcdef");
  const bytes = Buffer.concat([recordHeader(RecordType.Data, data.length), data]);
  const [event] = new RecordDecoder(ALL).push(bytes);
  assert.ok(event?.type === RecordType.Data);
  assert.equal(event.chunk.buffer, bytes.buffer);
});

test("a type the stream may not carry is refused", () => {
  const decoder = new RecordDecoder([RecordType.Offer]);
  assert.throws(
    () => decoder.push(encodeRecord(RecordType.Data, Buffer.from("x"))),
    (err) => hasCode(err, "ERR_FILES_PROTOCOL"),
  );
  assert.throws(
    () => new RecordDecoder(ALL).push(Buffer.from([0x7f, 0, 0, 0, 0])),
    (err) => hasCode(err, "ERR_FILES_PROTOCOL"),
  );
});

test("a length over the type's limit is refused from the header alone", () => {
  const huge = Buffer.from([RecordType.Offer, 0xff, 0xff, 0xff, 0xff]);
  assert.throws(
    () => new RecordDecoder(ALL).push(huge),
    (err) => hasCode(err, "ERR_MANIFEST_LIMIT"),
  );
  const bigData = Buffer.from([RecordType.Data, 0x00, 0x10, 0x00, 0x01]);
  assert.throws(
    () => new RecordDecoder(ALL).push(bigData),
    (err) => hasCode(err, "ERR_FILES_PROTOCOL"),
  );
  const shortEnd = Buffer.from([RecordType.End, 0, 0, 0, 31]);
  assert.throws(
    () => new RecordDecoder(ALL).push(shortEnd),
    (err) => hasCode(err, "ERR_FILES_PROTOCOL"),
  );
  const emptyData = Buffer.from([RecordType.Data, 0, 0, 0, 0]);
  assert.throws(
    () => new RecordDecoder(ALL).push(emptyData),
    (err) => hasCode(err, "ERR_FILES_PROTOCOL"),
  );
});

test("garbage never throws anything but a WireError", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.integer({ min: 1, max: 17 }),
      (bytes, step) => {
        const decoder = new RecordDecoder(ALL);
        try {
          for (let at = 0; at < bytes.length; at += step)
            decoder.push(Buffer.from(bytes.subarray(at, at + step)));
        } catch (err: unknown) {
          assert.ok(
            hasCode(err, "ERR_FILES_PROTOCOL") || hasCode(err, "ERR_MANIFEST_LIMIT"),
            String(err),
          );
        }
      },
    ),
  );
});
