// Two Muxes wired together in-process with a tiny pump: pull from one side,
// receiveRecord on the other, on setImmediate. No sockets, no crypto.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { describe, it } from "node:test";
import fc from "fast-check";
import { hasCode, LinkError, WireError } from "../errors.js";
import {
  decodeRecord,
  encodeDataHeader,
  encodeGoAway,
  encodeOpen,
  encodePing,
  encodeReset,
  encodeWindow,
  FrameType,
  INITIAL_WINDOW,
  MAX_FRAME_PAYLOAD,
  MAX_RECORD_PLAINTEXT,
  MAX_WINDOW,
} from "../wire/index.js";
import { Mux, type MuxOptions } from "./mux.js";
import type { MuxStream, StreamResetError } from "./mux-stream.js";

type SideOptions = Omit<MuxOptions, "isInitiator" | "onWritable">;

interface Pair {
  a: Mux;
  b: Mux;
  /** Records delivered so far in each direction. */
  records: { ab: number; ba: number };
  /** Called after every delivered record. */
  onRecord?: () => void;
}

/** A (initiator) and B (responder) joined by a pump that runs on setImmediate. */
function connect(aOptions: SideOptions = {}, bOptions: SideOptions = {}): Pair {
  const pending = { ab: false, ba: false };
  const pair = { records: { ab: 0, ba: 0 } } as Pair;
  const schedule = (dir: "ab" | "ba") => {
    if (pending[dir]) return;
    pending[dir] = true;
    setImmediate(() => {
      pending[dir] = false;
      const [from, to] = dir === "ab" ? [pair.a, pair.b] : [pair.b, pair.a];
      // A few records per turn, so callbacks and the other direction interleave.
      for (let i = 0; i < 8; i++) {
        const frames = from.pull(MAX_RECORD_PLAINTEXT);
        if (frames === null) return;
        pair.records[dir]++;
        to.receiveRecord(Buffer.concat(frames));
        pair.onRecord?.();
      }
      schedule(dir);
    });
  };
  pair.a = new Mux({ ...aOptions, isInitiator: true, onWritable: () => schedule("ab") });
  pair.b = new Mux({ ...bOptions, isInitiator: false, onWritable: () => schedule("ba") });
  return pair;
}

/** A promise of the next stream the peer opens. */
function nextStream(options: SideOptions): { options: SideOptions; stream: Promise<MuxStream> } {
  let resolve!: (s: MuxStream) => void;
  const stream = new Promise<MuxStream>((r) => {
    resolve = r;
  });
  return { options: { ...options, onStream: resolve }, stream };
}

/** Reads to the peer's FIN (not with for-await, which destroys the stream). */
async function readAll(stream: MuxStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.resume();
  await once(stream, "end");
  return Buffer.concat(chunks);
}

/** Writes `data` in 64 KiB chunks, honouring backpressure, then ends. */
async function writeAll(stream: MuxStream, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 65536) {
    if (!stream.write(data.subarray(at, at + 65536))) await once(stream, "drain");
  }
  stream.end();
}

/** Resolves once the stream has emitted 'close' (maybe already). */
function closed(stream: MuxStream): Promise<unknown> {
  return stream.closed ? Promise.resolve() : once(stream, "close");
}

/** Polls `condition` until it holds; fails after `ms`. */
async function waitFor(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err: unknown) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail("expected a rejection");
}

function streamError(stream: MuxStream): Promise<Error> {
  return once(stream, "error").then(([err]) => err as Error);
}

describe("Mux streams", () => {
  it("opens a stream from either side with service and metadata", async () => {
    const atB = nextStream({});
    const atA = nextStream({});
    const { a, b } = connect(atA.options, atB.options);
    const s1 = a.openStream("chat", Buffer.from("to b"));
    const s2 = b.openStream("files/v1");
    const [r1, r2] = await Promise.all([atB.stream, atA.stream]);
    assert.deepEqual([s1.id, s2.id, r1.id, r2.id], [1, 2, 1, 2]);
    assert.equal(r1.service, "chat");
    assert.equal(r1.metadata.toString(), "to b");
    assert.equal(r1.isLocal, false);
    assert.equal(s1.isLocal, true);
    assert.equal(r2.service, "files/v1");
    assert.equal(r2.metadata.length, 0);
    s1.end("hello");
    r2.end("hi there");
    assert.equal((await readAll(r1)).toString(), "hello");
    assert.equal((await readAll(s2)).toString(), "hi there");
  });

  it("sends OPEN, WINDOW and the first data in one record (zero round trip)", () => {
    const a = new Mux({ isInitiator: true, onWritable: () => {} });
    const stream = a.openStream("pipe");
    stream.write("now");
    const frames = decodeRecord(Buffer.concat(a.pull(MAX_RECORD_PLAINTEXT)!));
    assert.deepEqual(
      frames.map((f) => f.type),
      [FrameType.Open, FrameType.Window, FrameType.Data],
    );
    assert.equal(a.pull(MAX_RECORD_PLAINTEXT), null);
  });

  it("carries 10 MB both ways at once with equal sha256", async () => {
    const atB = nextStream({});
    const { a } = connect({}, atB.options);
    const up = randomBytes(10 * 1024 * 1024);
    const down = randomBytes(10 * 1024 * 1024);
    const s = a.openStream("pipe");
    const r = await (async () => {
      const writing = writeAll(s, up);
      return { remote: await atB.stream, writing };
    })();
    const [gotUp, gotDown] = await Promise.all([
      readAll(r.remote),
      readAll(s),
      writeAll(r.remote, down),
      r.writing,
    ]);
    assert.equal(sha256(gotUp), sha256(up));
    assert.equal(sha256(gotDown), sha256(down));
    assert.equal(a.stats.dataBytesSent, up.length);
    assert.equal(a.stats.dataBytesReceived, down.length);
  });

  it("half-closes each direction independently", async () => {
    const atB = nextStream({});
    const { a, b } = connect({}, atB.options);
    const s = a.openStream("pipe");
    s.end("request");
    const r = await atB.stream;
    assert.equal((await readAll(r)).toString(), "request");
    // A has finished writing; B keeps writing and A keeps reading.
    const aRead = readAll(s);
    r.write("part 1, ");
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(a.streamCount, 1);
    r.end("part 2");
    assert.equal((await aRead).toString(), "part 1, part 2");
    await Promise.all([closed(s), closed(r)]);
    assert.equal(a.streamCount, 0);
    assert.equal(b.streamCount, 0);
  });

  it("lets the responder half-close first", async () => {
    const atB = nextStream({});
    const { a, b } = connect({}, atB.options);
    const s = a.openStream("pipe");
    s.write("x");
    const r = await atB.stream;
    r.end("done early");
    assert.equal((await readAll(s)).toString(), "done early");
    r.resume();
    s.end("late");
    await Promise.all([closed(s), closed(r)]);
    assert.equal(a.streamCount + b.streamCount, 0);
  });

  it("delivers a reset with a code as ERR_STREAM_RESET with remoteCode", async () => {
    const atB = nextStream({});
    const { a, b } = connect({}, atB.options);
    const s = a.openStream("pipe");
    s.write("x");
    const r = await atB.stream;
    const failed = streamError(s);
    r.reset("ERR_NO_SPACE");
    const err = (await failed) as StreamResetError;
    assert.equal(err.code, "ERR_STREAM_RESET");
    assert.equal(err.remoteCode, "ERR_NO_SPACE");
    assert.ok(err instanceof LinkError);
    await closed(r);
    assert.equal(a.streamCount + b.streamCount, 0);
  });

  it("sends RESET ERR_STREAM_CANCELLED when a stream is destroyed", async () => {
    const atB = nextStream({});
    const { a } = connect({}, atB.options);
    const s = a.openStream("pipe");
    s.write("x");
    const r = await atB.stream;
    const failed = streamError(r);
    s.destroy();
    const err = (await failed) as StreamResetError;
    assert.equal(err.code, "ERR_STREAM_RESET");
    assert.equal(err.remoteCode, "ERR_STREAM_CANCELLED");
    assert.equal(a.streamCount, 0);
  });

  it("answers an unknown service with RESET ERR_UNKNOWN_SERVICE", async () => {
    const { a } = connect({}, {});
    const s = a.openStream("nothing-here");
    s.write("x");
    const err = (await streamError(s)) as StreamResetError;
    assert.equal(err.code, "ERR_STREAM_RESET");
    assert.equal(err.remoteCode, "ERR_UNKNOWN_SERVICE");
  });

  it("limits the streams each side may open", async () => {
    const { a } = connect({ maxStreams: 5 }, { maxStreams: 1, onStream: () => {} });
    a.openStream("one");
    const second = a.openStream("two");
    const err = (await streamError(second)) as StreamResetError;
    assert.equal(err.remoteCode, "ERR_TOO_MANY_STREAMS");
    const c = new Mux({ isInitiator: true, maxStreams: 1, onWritable: () => {} });
    c.openStream("one");
    assert.throws(
      () => c.openStream("two"),
      (e) => hasCode(e, "ERR_TOO_MANY_STREAMS"),
    );
  });

  it("resolves ping with the round-trip time", async () => {
    const { a, b } = connect();
    const [rttA, rttB] = await Promise.all([a.ping(), b.ping()]);
    assert.ok(rttA >= 0 && rttA < 1000);
    assert.ok(rttB >= 0 && rttB < 1000);
    assert.ok(b.lastActivity > 0);
  });

  it("errors open streams and pings with ERR_LINK_CLOSED on destroy()", async () => {
    const atB = nextStream({});
    const { a } = connect({}, atB.options);
    const s = a.openStream("pipe");
    s.write("x");
    await atB.stream;
    const failed = streamError(s);
    const ping = a.ping();
    const cause = new Error("transport gone");
    a.destroy(cause);
    const err = await failed;
    assert.ok(hasCode(err, "ERR_LINK_CLOSED"));
    assert.equal(err.cause, cause);
    assert.ok(hasCode(await rejection(ping), "ERR_LINK_CLOSED"));
    assert.equal(a.streamCount, 0);
    assert.equal(a.pull(MAX_RECORD_PLAINTEXT), null);
    assert.throws(
      () => a.openStream("pipe"),
      (e) => hasCode(e, "ERR_LINK_CLOSED"),
    );
  });
});

describe("Mux flow control and scheduling", () => {
  it("keeps buffered bytes bounded while the reader is paused", async () => {
    const receiveWindow = 1024 * 1024;
    const atB = nextStream({ receiveWindow });
    const pair = connect({ receiveWindow }, atB.options);
    const data = randomBytes(8 * 1024 * 1024);
    const s = pair.a.openStream("bulk");
    const writing = writeAll(s, data);
    const r = await atB.stream;
    r.pause();
    // Writable and readable high-water marks, one chunk in hand, a copied tail.
    const bound = receiveWindow + s.writableHighWaterMark + r.readableHighWaterMark + 65536 + 4096;
    let peak = 0;
    pair.onRecord = () => {
      peak = Math.max(peak, s.writableLength + r.readableLength);
    };
    // The sender stops once the credit is used up.
    let seen = -1;
    let quietPolls = 0;
    await waitFor(() => {
      quietPolls = pair.records.ab === seen ? quietPolls + 1 : 0;
      seen = pair.records.ab;
      return seen > 0 && quietPolls >= 10;
    }, "the sender to stall");
    assert.ok(peak > receiveWindow / 2, `peak ${peak}`);
    assert.ok(peak <= bound, `peak ${peak} above ${bound}`);
    const got = readAll(r);
    await writing;
    assert.equal(sha256(await got), sha256(data));
    assert.ok(peak <= bound, `peak ${peak} above ${bound}`);
  });

  it("fills a record with one frame of 65,511 bytes for a single bulk stream", () => {
    const a = new Mux({ isInitiator: true, onWritable: () => {} });
    const s = a.openStream("bulk");
    s.write(Buffer.alloc(200_000));
    a.pull(MAX_RECORD_PLAINTEXT); // OPEN, WINDOW and the first data
    const frames = a.pull(MAX_RECORD_PLAINTEXT)!;
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.length, 8);
    assert.equal(frames[1]!.length, MAX_FRAME_PAYLOAD);
  });

  it("lets a 1-byte message through a bulk transfer within 2 records", async () => {
    let message = "";
    const a = new Mux({ isInitiator: true, onWritable: () => {} });
    const b = new Mux({
      isInitiator: false,
      onWritable: () => {},
      onStream: (stream) => {
        stream.on("data", (d: Buffer) => {
          if (stream.service === "chat") message += d.toString();
        });
      },
    });
    /** A tick for the readers, one record from A to B, then B's WINDOWs back to A. */
    const deliver = async () => {
      await new Promise(setImmediate);
      b.receiveRecord(Buffer.concat(a.pull(MAX_RECORD_PLAINTEXT)!));
      for (
        let frames = b.pull(MAX_RECORD_PLAINTEXT);
        frames;
        frames = b.pull(MAX_RECORD_PLAINTEXT)
      ) {
        a.receiveRecord(Buffer.concat(frames));
      }
    };
    const bulk = a.openStream("bulk");
    const chat = a.openStream("chat");
    bulk.write(Buffer.alloc(16 * 1024 * 1024));
    for (let i = 0; i < 40; i++) await deliver();
    chat.write("!");
    let records = 0;
    while (message === "") {
      await deliver();
      records++;
    }
    assert.ok(records <= 2, `took ${records} records`);
    // The bulk stream keeps filling whole records meanwhile.
    assert.equal(a.pull(MAX_RECORD_PLAINTEXT)![1]!.length, MAX_FRAME_PAYLOAD);
  });

  it("fills whole records from a writer of 64 KiB chunks", async () => {
    const a = new Mux({ isInitiator: true, receiveWindow: 8 * 1024 * 1024, onWritable: () => {} });
    const s = a.openStream("bulk");
    a.pull(MAX_RECORD_PLAINTEXT); // OPEN and WINDOW, before any data
    a.receiveRecord(encodeWindow(1, 8 * 1024 * 1024));
    const writing = writeAll(s, randomBytes(40 * 65536));
    const sizes: number[] = [];
    while (sizes.reduce((n, x) => n + x, 0) < 40 * 65536 + 8) {
      await new Promise(setImmediate);
      for (let f = a.pull(MAX_RECORD_PLAINTEXT); f; f = a.pull(MAX_RECORD_PLAINTEXT)) {
        sizes.push(f.reduce((n, b) => n + b.length, 0));
      }
    }
    await writing;
    // Every record but the last (the rest and FIN) is full.
    const middle = sizes.slice(0, -1);
    assert.ok(middle.length >= 39, `${sizes.length} records`);
    for (const size of middle) assert.equal(size, MAX_RECORD_PLAINTEXT);
  });

  it("lets a writer reuse its chunk once the write callback has run", async () => {
    const a = new Mux({ isInitiator: true, onWritable: () => {} });
    const s = a.openStream("bulk");
    const chunk = Buffer.alloc(65536, 1);
    let called = false;
    s.write(chunk, () => {
      called = true;
      chunk.fill(2);
    });
    const first = decodeRecord(Buffer.concat(a.pull(MAX_RECORD_PLAINTEXT)!)).at(-1);
    assert.ok(first?.type === FrameType.Data);
    assert.equal(called, false, "the callback waits until the caller has taken the record");
    await new Promise(setImmediate);
    assert.ok(called);
    const frames = decodeRecord(Buffer.concat(a.pull(MAX_RECORD_PLAINTEXT)!));
    const tail = frames[0];
    assert.ok(tail?.type === FrameType.Data);
    assert.equal(first.payload.length + tail.payload.length, chunk.length);
    assert.ok(tail.payload.every((b) => b === 1));
  });

  it("serves streams round-robin", () => {
    const a = new Mux({ isInitiator: true, onWritable: () => {} });
    const streams = [a.openStream("one"), a.openStream("two"), a.openStream("three")];
    for (const s of streams) s.write(Buffer.alloc(300_000));
    a.pull(MAX_RECORD_PLAINTEXT);
    const order: number[] = [];
    for (let i = 0; i < 6; i++) {
      const record = decodeRecord(Buffer.concat(a.pull(MAX_RECORD_PLAINTEXT)!));
      for (const f of record) if (f.type === FrameType.Data) order.push(f.streamId);
    }
    // Each record holds mostly one stream's frame; over six records each stream leads twice.
    const counts = new Map<number, number>();
    for (const id of order) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), [1, 3, 5]);
    for (const n of counts.values()) assert.ok(n >= 2, `uneven: ${order.join(",")}`);
  });
});

describe("Mux GOAWAY", () => {
  it("refuses new streams but lets open ones finish, then reports idle", async () => {
    const atB = nextStream({});
    let remoteCode = "";
    let idleA = false;
    let idleB = false;
    const { a, b } = connect(
      { onIdle: () => (idleA = true) },
      {
        ...atB.options,
        onRemoteGoAway: (code) => (remoteCode = code),
        onIdle: () => (idleB = true),
      },
    );
    const s = a.openStream("pipe");
    s.write("before ");
    const r = await atB.stream;
    // An OPEN from B crossing A's GOAWAY is refused with ERR_GOING_AWAY.
    a.goAway();
    const crossing = b.openStream("late");
    crossing.write("x");
    assert.equal(((await streamError(crossing)) as StreamResetError).remoteCode, "ERR_GOING_AWAY");
    assert.equal(remoteCode, "OK");
    assert.throws(
      () => a.openStream("more"),
      (e) => hasCode(e, "ERR_GOING_AWAY"),
    );
    assert.throws(
      () => b.openStream("more"),
      (e) => hasCode(e, "ERR_GOING_AWAY"),
    );
    const aRead = readAll(s);
    const bRead = readAll(r);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(!idleA && !idleB, "not idle while a stream is open");
    s.end("after");
    r.end("reply");
    assert.equal((await bRead).toString(), "before after");
    assert.equal((await aRead).toString(), "reply");
    await waitFor(() => idleA && idleB, "both sides to be idle");
    assert.equal(a.streamCount + b.streamCount, 0);
  });
});

describe("Mux protocol violations", () => {
  /** A responder mux fed raw records, as if from a misbehaving initiator. */
  function responder(options: SideOptions = {}): { mux: Mux; streams: MuxStream[] } {
    const streams: MuxStream[] = [];
    const mux = new Mux({
      ...options,
      isInitiator: false,
      onWritable: () => {},
      onStream: (s) => {
        streams.push(s);
        s.on("error", () => {});
      },
    });
    return { mux, streams };
  }

  function expectCode(fn: () => void, code: string): void {
    assert.throws(fn, (err: unknown) => err instanceof WireError && err.code === code);
  }

  const data = (id: number, bytes: number) =>
    Buffer.concat([encodeDataHeader(id, bytes, false), Buffer.alloc(bytes)]);

  it("refuses DATA beyond the credit with ERR_FLOW_CONTROL", () => {
    const { mux, streams } = responder({ receiveWindow: INITIAL_WINDOW });
    mux.receiveRecord(encodeOpen(1, "bulk"));
    streams[0]!.pause();
    // The paused reader buffers up to its 256 KiB high-water mark (that much
    // counts as consumed and is granted again), then holds the credit.
    let sent = 0;
    expectCode(() => {
      for (;;) {
        mux.receiveRecord(data(1, 32768));
        sent += 32768;
      }
    }, "ERR_FLOW_CONTROL");
    assert.ok(sent >= INITIAL_WINDOW && sent < 2 * INITIAL_WINDOW, `refused after ${sent} bytes`);
  });

  it("refuses credit above 2^31-1 with ERR_WINDOW_OVERFLOW", () => {
    const mux = new Mux({ isInitiator: true, onWritable: () => {} });
    mux.openStream("pipe").on("error", () => {});
    mux.pull(MAX_RECORD_PLAINTEXT);
    mux.receiveRecord(encodeWindow(1, MAX_WINDOW - INITIAL_WINDOW));
    expectCode(() => mux.receiveRecord(encodeWindow(1, 1)), "ERR_WINDOW_OVERFLOW");
  });

  it("refuses an OPEN with the wrong parity with ERR_STREAM_ID", () => {
    expectCode(() => responder().mux.receiveRecord(encodeOpen(2, "pipe")), "ERR_STREAM_ID");
  });

  it("refuses an OPEN whose id does not increase with ERR_STREAM_ID", () => {
    const { mux } = responder();
    mux.receiveRecord(encodeOpen(5, "pipe"));
    expectCode(() => mux.receiveRecord(encodeOpen(3, "pipe")), "ERR_STREAM_ID");
    const again = responder().mux;
    again.receiveRecord(encodeOpen(1, "pipe"));
    expectCode(() => again.receiveRecord(encodeOpen(1, "pipe")), "ERR_STREAM_ID");
  });

  it("refuses frames for a stream that was never opened with ERR_STREAM_ID", () => {
    expectCode(() => responder().mux.receiveRecord(data(1, 3)), "ERR_STREAM_ID");
    expectCode(() => responder().mux.receiveRecord(encodeWindow(2, 1)), "ERR_STREAM_ID");
    expectCode(() => responder().mux.receiveRecord(encodeReset(7, "ERR_X")), "ERR_STREAM_ID");
    // Our own stream whose OPEN has not gone out yet is unknown to the peer.
    const { mux } = responder();
    mux.openStream("pipe").on("error", () => {});
    expectCode(() => mux.receiveRecord(encodeWindow(2, 1)), "ERR_STREAM_ID");
  });

  it("refuses DATA after FIN with ERR_STREAM_ID", () => {
    const { mux, streams } = responder();
    mux.receiveRecord(Buffer.concat([encodeOpen(1, "pipe"), encodeDataHeader(1, 0, true)]));
    streams[0]!.resume();
    expectCode(() => mux.receiveRecord(data(1, 1)), "ERR_STREAM_ID");
  });

  it("ignores frames for streams that are already closed", () => {
    const { mux, streams } = responder();
    mux.receiveRecord(encodeOpen(1, "pipe"));
    streams[0]!.destroy();
    mux.receiveRecord(Buffer.concat([data(1, 10), encodeWindow(1, 5), encodeReset(1, "ERR_X")]));
    mux.receiveRecord(Buffer.concat([encodeOpen(3, "pipe"), encodeReset(3, "ERR_X")]));
    mux.receiveRecord(data(3, 1));
    assert.equal(mux.streamCount, 0);
  });

  it("throws only WireErrors whatever frames arrive", () => {
    const id = fc.integer({ min: 1, max: 6 });
    const frame = fc.oneof(
      fc
        .tuple(id, fc.nat(70_000), fc.boolean())
        .map(([i, n, fin]) =>
          Buffer.concat([
            encodeDataHeader(i, Math.min(n, MAX_FRAME_PAYLOAD), fin),
            Buffer.alloc(Math.min(n, MAX_FRAME_PAYLOAD)),
          ]),
        ),
      id.map((i) => encodeOpen(i, "svc")),
      fc.tuple(id, fc.integer({ min: 1, max: MAX_WINDOW })).map(([i, n]) => encodeWindow(i, n)),
      id.map((i) => encodeReset(i, "ERR_X")),
      fc.constant(encodeGoAway("OK")),
      fc.constant(encodePing(Buffer.alloc(8), false)),
      fc.constant(encodePing(Buffer.alloc(8), true)),
    );
    fc.assert(
      fc.property(
        fc.array(frame, { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (records, initiator) => {
          const mux = new Mux({
            isInitiator: initiator,
            onWritable: () => {},
            onStream: (s) => {
              s.on("error", () => {});
              if (s.id % 3 === 0) s.resume();
            },
          });
          mux.openStream("mine").on("error", () => {});
          mux.pull(MAX_RECORD_PLAINTEXT);
          try {
            for (const record of records) {
              mux.receiveRecord(record);
              mux.pull(MAX_RECORD_PLAINTEXT);
            }
          } catch (err: unknown) {
            assert.ok(err instanceof WireError, String(err));
          }
          mux.destroy();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("destroys itself on a violation, erroring open streams", async () => {
    const { mux, streams } = responder();
    mux.receiveRecord(encodeOpen(1, "pipe"));
    const failed = once(streams[0]!, "error");
    expectCode(() => mux.receiveRecord(Buffer.from("garbage!")), "ERR_FRAME_INVALID");
    const [err] = await failed;
    assert.ok(hasCode(err, "ERR_LINK_CLOSED"));
    assert.ok(hasCode((err as Error).cause, "ERR_FRAME_INVALID"));
    assert.equal(mux.pull(MAX_RECORD_PLAINTEXT), null);
  });
});

describe("Mux pings", () => {
  it("gives up the oldest ping when 64 are unanswered, so the map stays bounded", async () => {
    const mux = new Mux({ isInitiator: true, onWritable: () => {} });
    const first = mux.ping();
    const others = Array.from({ length: 64 }, () => mux.ping());
    await assert.rejects(first, (err: unknown) => hasCode(err, "ERR_PING_TIMEOUT"));
    mux.destroy();
    for (const ping of others)
      await assert.rejects(ping, (err: unknown) => hasCode(err, "ERR_LINK_CLOSED"));
  });
});
