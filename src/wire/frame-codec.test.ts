// Encoder and decoder together: hex fixtures of every frame type, every
// truncation of valid records, invalid records by code, round trips and
// garbage (fast-check).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { WireError } from "../errors.js";
import {
  FrameType,
  MAX_FRAME_PAYLOAD,
  MAX_METADATA,
  MAX_RECORD_PLAINTEXT,
  MAX_STREAM_ID,
  MAX_WINDOW,
} from "./constants.js";
import type { Frame } from "./frame.js";
import { decodeRecord } from "./frame-decoder.js";
import { encodeDataHeader, encodeFrame, encodeOpen, encodeWindow } from "./frame-encoder.js";

/** One valid frame: its hex form and the frame object it decodes to. */
interface FrameFixture {
  name: string;
  hex: string;
  frame: Frame;
}

/** Bytes of a hex string that may hold spaces. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ""), "hex");
}

const VALID_FRAMES: FrameFixture[] = [
  {
    name: "DATA with FIN",
    hex: "00 01 00000001 0003 616263",
    frame: { type: FrameType.Data, streamId: 1, fin: true, payload: Buffer.from("abc") },
  },
  {
    name: "empty DATA",
    hex: "00 00 00000002 0000",
    frame: { type: FrameType.Data, streamId: 2, fin: false, payload: Buffer.alloc(0) },
  },
  {
    name: "OPEN with metadata",
    hex: "01 00 00000003 0007 04 63686174 6869",
    frame: { type: FrameType.Open, streamId: 3, service: "chat", metadata: Buffer.from("hi") },
  },
  {
    name: "OPEN without metadata",
    hex: "01 00 fffffffe 0008 07 66696c65732f31",
    frame: {
      type: FrameType.Open,
      streamId: 0xfffffffe,
      service: "files/1",
      metadata: Buffer.alloc(0),
    },
  },
  {
    name: "WINDOW",
    hex: "02 00 00000002 0004 00010000",
    frame: { type: FrameType.Window, streamId: 2, increment: 65536 },
  },
  {
    name: "WINDOW of 2^31-1",
    hex: "02 00 00000001 0004 7fffffff",
    frame: { type: FrameType.Window, streamId: 1, increment: 2 ** 31 - 1 },
  },
  {
    name: "RESET",
    hex: "03 00 00000005 0013 4552525f554e4b4e4f574e5f53455256494345",
    frame: { type: FrameType.Reset, streamId: 5, code: "ERR_UNKNOWN_SERVICE" },
  },
  {
    name: "PING",
    hex: "04 00 00000000 0008 0102030405060708",
    frame: { type: FrameType.Ping, ack: false, payload: hex("0102030405060708") },
  },
  {
    name: "PING ACK",
    hex: "04 02 00000000 0008 0102030405060708",
    frame: { type: FrameType.Ping, ack: true, payload: hex("0102030405060708") },
  },
  {
    name: "GOAWAY",
    hex: "05 00 00000000 0002 4f4b",
    frame: { type: FrameType.GoAway, code: "OK" },
  },
];

/** Records that must be refused, with the code they must be refused with. */
const INVALID_RECORDS: { name: string; hex: string; code: string }[] = [
  { name: "empty record", hex: "", code: "ERR_FRAME_TRUNCATED" },
  { name: "half a header", hex: "00 00 0000", code: "ERR_FRAME_TRUNCATED" },
  {
    name: "payload shorter than its length",
    hex: "00 00 00000001 0004 6162",
    code: "ERR_FRAME_TRUNCATED",
  },
  {
    name: "trailing bytes after a frame",
    hex: "05 00 00000000 0002 4f4b 00",
    code: "ERR_FRAME_TRUNCATED",
  },
  { name: "unknown type 6", hex: "06 00 00000001 0000", code: "ERR_FRAME_INVALID" },
  { name: "unknown type 255", hex: "ff 00 00000001 0000", code: "ERR_FRAME_INVALID" },
  { name: "DATA with the ACK flag", hex: "00 02 00000001 0000", code: "ERR_FRAME_INVALID" },
  { name: "OPEN with a flag", hex: "01 01 00000001 0002 0161", code: "ERR_FRAME_INVALID" },
  {
    name: "PING with the FIN flag",
    hex: "04 01 00000000 0008 0000000000000000",
    code: "ERR_FRAME_INVALID",
  },
  { name: "DATA on stream 0", hex: "00 00 00000000 0000", code: "ERR_FRAME_INVALID" },
  { name: "WINDOW on stream 0", hex: "02 00 00000000 0004 00000001", code: "ERR_FRAME_INVALID" },
  {
    name: "PING on stream 1",
    hex: "04 00 00000001 0008 0000000000000000",
    code: "ERR_FRAME_INVALID",
  },
  { name: "GOAWAY on stream 2", hex: "05 00 00000002 0002 4f4b", code: "ERR_FRAME_INVALID" },
  { name: "length over 65511", hex: "00 00 00000001 ffe8", code: "ERR_FRAME_INVALID" },
  { name: "WINDOW of 3 bytes", hex: "02 00 00000001 0003 000001", code: "ERR_FRAME_INVALID" },
  { name: "WINDOW of 0", hex: "02 00 00000001 0004 00000000", code: "ERR_FRAME_INVALID" },
  { name: "WINDOW of 2^31", hex: "02 00 00000001 0004 80000000", code: "ERR_FRAME_INVALID" },
  { name: "PING of 7 bytes", hex: "04 00 00000000 0007 00000000000000", code: "ERR_FRAME_INVALID" },
  { name: "RESET without a code", hex: "03 00 00000001 0000", code: "ERR_FRAME_INVALID" },
  { name: "RESET code with a space", hex: "03 00 00000001 0003 412042", code: "ERR_FRAME_INVALID" },
  { name: "GOAWAY code with a NUL", hex: "05 00 00000000 0002 4f00", code: "ERR_FRAME_INVALID" },
  { name: "OPEN with an empty payload", hex: "01 00 00000001 0000", code: "ERR_FRAME_INVALID" },
  { name: "OPEN with an empty service", hex: "01 00 00000001 0001 00", code: "ERR_FRAME_INVALID" },
  {
    name: "OPEN service past the payload",
    hex: "01 00 00000001 0003 05 6162",
    code: "ERR_FRAME_INVALID",
  },
  {
    name: "OPEN service of 65 bytes",
    hex: `01 00 00000001 0042 41 ${"61".repeat(65)}`,
    code: "ERR_FRAME_INVALID",
  },
  {
    name: "OPEN metadata of 4097 bytes",
    hex: `01 00 00000001 1003 01 61 ${"00".repeat(4097)}`,
    code: "ERR_FRAME_INVALID",
  },
  {
    name: "a bad frame after a good one",
    hex: "05 00 00000000 0002 4f4b 07 00 00000001 0000",
    code: "ERR_FRAME_INVALID",
  },
];

function expectWireError(fn: () => unknown, codes: string[]): void {
  try {
    fn();
  } catch (err: unknown) {
    assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
    assert.ok(codes.includes(err.code), `unexpected code ${err.code}`);
    return;
  }
  assert.fail("expected a WireError");
}

/** A record holding all valid fixtures back to back, and where each frame ends. */
function fixtureRecord(): { record: Buffer; ends: number[] } {
  const parts = VALID_FRAMES.map((f) => hex(f.hex));
  const ends: number[] = [];
  let total = 0;
  for (const part of parts) {
    total += part.length;
    ends.push(total);
  }
  return { record: Buffer.concat(parts), ends };
}

describe("frame fixtures", () => {
  for (const fixture of VALID_FRAMES) {
    it(`decodes ${fixture.name}`, () => {
      assert.deepEqual(decodeRecord(hex(fixture.hex)), [fixture.frame]);
    });
    it(`encodes ${fixture.name}`, () => {
      assert.equal(
        Buffer.concat(encodeFrame(fixture.frame)).toString("hex"),
        hex(fixture.hex).toString("hex"),
      );
    });
  }

  it("decodes every fixture from one record, in order", () => {
    const { record } = fixtureRecord();
    assert.deepEqual(
      decodeRecord(record),
      VALID_FRAMES.map((f) => f.frame),
    );
  });

  it("returns DATA payloads as views into the record (no copy)", () => {
    const record = hex("00 00 00000001 0003 616263");
    const [frame] = decodeRecord(record);
    assert.ok(frame?.type === FrameType.Data);
    record[8] = 0x7a;
    assert.equal(frame.payload.toString(), "zbc");
    assert.equal(frame.payload.buffer, record.buffer);
  });

  it("encodes a DATA frame as a header only", () => {
    assert.equal(
      encodeDataHeader(7, 65511, true).toString("hex"),
      hex("00 01 00000007 ffe7").toString("hex"),
    );
  });
});

describe("invalid records", () => {
  for (const bad of INVALID_RECORDS) {
    it(`refuses ${bad.name} with ${bad.code}`, () => {
      expectWireError(() => decodeRecord(hex(bad.hex)), [bad.code]);
    });
  }

  it("fails every truncation of a valid record, except at a frame boundary", () => {
    const { record, ends } = fixtureRecord();
    for (let cut = 0; cut < record.length; cut++) {
      const prefix = record.subarray(0, cut);
      const whole = ends.indexOf(cut);
      if (whole >= 0) {
        assert.equal(decodeRecord(prefix).length, whole + 1);
      } else {
        expectWireError(() => decodeRecord(prefix), ["ERR_FRAME_TRUNCATED", "ERR_FRAME_INVALID"]);
      }
    }
  });

  it("fails a large DATA frame cut at every byte", () => {
    const payload = Buffer.alloc(MAX_FRAME_PAYLOAD, 1);
    const record = Buffer.concat([encodeDataHeader(1, payload.length, false), payload]);
    assert.equal(record.length, MAX_RECORD_PLAINTEXT);
    for (let cut = 0; cut < record.length; cut++) {
      expectWireError(() => decodeRecord(record.subarray(0, cut)), ["ERR_FRAME_TRUNCATED"]);
    }
  });
});

describe("encoder arguments", () => {
  it("refuses a service that is not a token", () => {
    assert.throws(() => encodeOpen(1, "bad service"), RangeError);
    assert.throws(() => encodeOpen(1, ""), RangeError);
    assert.throws(() => encodeOpen(1, "a".repeat(65)), RangeError);
  });
  it("refuses metadata over 4096 bytes", () => {
    assert.throws(() => encodeOpen(1, "chat", Buffer.alloc(MAX_METADATA + 1)), RangeError);
  });
  it("refuses a zero or oversized window increment", () => {
    assert.throws(() => encodeWindow(1, 0), RangeError);
    assert.throws(() => encodeWindow(1, MAX_WINDOW + 1), RangeError);
  });
  it("refuses a stream frame on stream 0 and a payload over 65511", () => {
    assert.throws(() => encodeWindow(0, 1), RangeError);
    assert.throws(() => encodeDataHeader(1, MAX_FRAME_PAYLOAD + 1, false), RangeError);
  });
});

const token = fc.stringMatching(/^[A-Za-z0-9._/-]{1,64}$/);
const streamId = fc.integer({ min: 1, max: MAX_STREAM_ID });
const bytes = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a.buffer, a.byteOffset, a.length));

const frameArb: fc.Arbitrary<Frame> = fc
  .oneof(
    fc.record({
      type: fc.constant(FrameType.Data as const),
      streamId,
      fin: fc.boolean(),
      payload: bytes(2000),
    }),
    fc.record({
      type: fc.constant(FrameType.Open as const),
      streamId,
      service: token,
      metadata: bytes(MAX_METADATA),
    }),
    fc.record({
      type: fc.constant(FrameType.Window as const),
      streamId,
      increment: fc.integer({ min: 1, max: MAX_WINDOW }),
    }),
    fc.record({ type: fc.constant(FrameType.Reset as const), streamId, code: token }),
    fc.record({
      type: fc.constant(FrameType.Ping as const),
      ack: fc.boolean(),
      payload: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((a) => Buffer.from(a)),
    }),
    fc.record({ type: fc.constant(FrameType.GoAway as const), code: token }),
    // fast-check builds null-prototype objects; the decoder returns plain ones.
  )
  .map((frame) => ({ ...frame }));

describe("properties", () => {
  it("decodes what it encodes", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 12 }), (frames) => {
        const record = Buffer.concat(frames.flatMap((f) => encodeFrame(f)));
        fc.pre(record.length <= MAX_RECORD_PLAINTEXT);
        assert.deepEqual(decodeRecord(record), frames);
      }),
      { numRuns: 500 },
    );
  });

  it("throws only WireErrors on random bytes", () => {
    fc.assert(
      fc.property(bytes(300), (record) => {
        try {
          decodeRecord(record);
        } catch (err: unknown) {
          assert.ok(err instanceof WireError);
          assert.ok(err.code === "ERR_FRAME_TRUNCATED" || err.code === "ERR_FRAME_INVALID");
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("throws only WireErrors on valid records with bytes flipped", () => {
    const mutated = fc
      .tuple(
        fc.array(frameArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.nat(255),
      )
      .map(([frames, positions, value]) => {
        const record = Buffer.concat(frames.flatMap((f) => encodeFrame(f)));
        for (const p of positions) record[p % record.length] = value;
        return record;
      });
    fc.assert(
      fc.property(mutated, (record) => {
        try {
          decodeRecord(record);
        } catch (err: unknown) {
          assert.ok(err instanceof WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
