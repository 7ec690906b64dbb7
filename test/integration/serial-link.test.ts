// Links over a virtual serial cable (socat pty pair): data, rpc, and what a
// corrupted byte does (a clear error, never a hang).
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import fs, { createReadStream, createWriteStream, openSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { Duplex } from "node:stream";
import { test } from "node:test";
import {
  createMemoryDuplexPair,
  expectPeer,
  type Link,
  openSerial,
  rpc,
  type WalkieError,
} from "../../src/index.js";
import { withDeadline } from "../helpers/cli.js";
import { linkNodes, twoNodes } from "../helpers/linked-nodes.js";
import { HAVE_SOCAT, ptyPair } from "../helpers/socat.js";

const skip = HAVE_SOCAT ? false : "socat is not installed";

function sha(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

function closeError(link: Link): Promise<WalkieError | undefined> {
  return new Promise((resolve) => {
    if (link.closed) resolve(undefined);
    link.once("close", resolve);
  });
}

test("two nodes link over a serial cable and carry streams and rpc", { skip }, async () => {
  const [one, two] = await ptyPair();
  const [a, b] = await twoNodes();
  b.handle("echo", (stream) => stream.pipe(stream));
  b.onRequest<number, number>("double", (n) => n * 2);
  // Both ends open at once: each waits for the other (the line sync).
  const { ab } = await linkNodes(
    a,
    b,
    await Promise.all([
      openSerial({ path: one, baudRate: 115_200 }),
      openSerial({ path: two, baudRate: 115_200 }),
    ]),
  );
  const data = randomBytes(2 * 1024 * 1024);
  const stream = ab.openStream("echo");
  const echoed = readAll(stream);
  stream.end(data);
  assert.equal(sha(await echoed), sha(data));
  assert.equal(await rpc(ab).request("double", 21), 42);
  // A graceful close ends both sides cleanly, though a serial line has no end-of-stream.
  await Promise.all([a.close(), b.close()]);
});

/** Raw read and write ends on a pty, for a scripted end of a cable. */
function openPty(path: string) {
  const fd = openSync(path, "r+");
  const ends = {
    read: createReadStream("", { fd, autoClose: false }),
    write: createWriteStream("", { fd, autoClose: false }),
  };
  // The ptys go away with socat after the test (EIO): nothing to report then.
  ends.read.on("error", () => {});
  ends.write.on("error", () => {});
  return ends;
}

test("a line-sync message and the link's first bytes reach the line in the order they were written", {
  skip,
}, async () => {
  // fs.write runs on libuv's thread pool, where a later write may finish
  // first. Here the sync's READY is the slow one, by 100 ms.
  const READY = Buffer.from("WKSY\x02", "latin1");
  const realWrite = fs.write;
  fs.write = ((fd: number, data: unknown, ...rest: unknown[]) => {
    const write = () => (realWrite as (...args: unknown[]) => void)(fd, data, ...rest);
    if (Buffer.isBuffer(data) && data.equals(READY)) setTimeout(write, 100);
    else write();
  }) as typeof fs.write;
  syncBuiltinESMExports();
  try {
    const [ours, theirs] = await ptyPair();
    const peer = openPty(theirs);
    let line = Buffer.alloc(0);
    let answered = false;
    peer.read.on("data", (chunk: string | Buffer) => {
      line = Buffer.concat([line, chunk as Buffer]);
      // The scripted end answers our first HELLO with READY alone, so our
      // side sends its READY and starts the link at once.
      if (!answered && line.includes("WKSY\x01", 0, "latin1")) {
        answered = true;
        peer.write.write(READY);
      }
    });
    const cable = await openSerial({ path: ours });
    cable.write("the link's first bytes");
    await withDeadline(
      new Promise<void>((resolve) => {
        const check = () => (line.includes("first bytes") ? resolve() : setTimeout(check, 20));
        check();
      }),
      "the link's bytes on the line",
      10_000,
    );
    const text = line.toString("latin1");
    assert.ok(text.endsWith("WKSY\x02the link's first bytes"), JSON.stringify(text));
    peer.read.destroy();
    cable.destroy();
  } finally {
    fs.write = realWrite;
    syncBuiltinESMExports();
  }
});

/**
 * Two cables with this process in the middle, passing bytes from a to b and
 * back, and changing the byte at `corruptAt` (counted from a to b) with `mutate`.
 */
async function cableWithTap(corruptAt: () => number, mutate: (byte: number) => number) {
  const [aSide, tapA] = await ptyPair();
  const [bSide, tapB] = await ptyPair();
  const fromA = openPty(tapA);
  const toB = openPty(tapB);
  let passed = 0;
  let armed = false;
  fromA.read.on("data", (data: string | Buffer) => {
    const chunk = data as Buffer;
    const at = armed ? corruptAt() - passed : -1;
    if (at >= 0 && at < chunk.length) {
      chunk[at] = mutate(chunk[at]!);
      armed = false;
    }
    passed += chunk.length;
    toB.write.write(chunk);
  });
  toB.read.on("data", (chunk: string | Buffer) => {
    fromA.write.write(chunk);
  });
  return {
    aSide,
    bSide,
    /** Corrupts the next byte at the position `corruptAt` gives, from now on. */
    arm: () => {
      armed = true;
      return passed;
    },
    release: () => {
      for (const s of [fromA.read, toB.read]) s.destroy();
    },
  };
}

test("the line sync skips noise and lets either end start first", { skip }, async () => {
  const [one, two] = await ptyPair();
  const [a, b] = await twoNodes();
  b.onRequest("ping", () => "pong");
  // One end starts alone and waits; line noise arrives before the other end.
  const first = openSerial({ path: one });
  const noise = await openSerial({ path: two, sync: false });
  noise.write(Buffer.from("boot: garbage WKS WKSY\x07 \x00\xff"));
  await new Promise((resolve) => setTimeout(resolve, 300));
  noise.destroy();
  const second = openSerial({ path: two });
  const { ab } = await linkNodes(a, b, await Promise.all([first, second]));
  assert.equal(await rpc(ab).request("ping"), "pong");
  await Promise.all([a.close(), b.close()]);
});

test("nobody at the other end: the sync gives up with ERR_SERIAL_SYNC_TIMEOUT", {
  skip,
}, async () => {
  const [one] = await ptyPair();
  await assert.rejects(openSerial({ path: one, syncTimeoutMs: 500 }), (err: unknown) => {
    assert.equal((err as WalkieError).code, "ERR_SERIAL_SYNC_TIMEOUT");
    return true;
  });
});

test("a corrupted byte inside a record ends the link with ERR_DECRYPT", { skip }, async () => {
  let base = 0;
  const tap = await cableWithTap(
    () => base + 40,
    (byte) => byte ^ 0x01,
  );
  const [a, b] = await twoNodes();
  b.handle("sink", (stream) => stream.resume());
  const { ab, ba } = await linkNodes(
    a,
    b,
    await Promise.all([openSerial({ path: tap.aSide }), openSerial({ path: tap.bSide })]),
  );
  const [aClosed, bClosed] = [closeError(ab), closeError(ba)];
  base = tap.arm();
  const stream = ab.openStream("sink");
  stream.on("error", () => {});
  stream.write(randomBytes(1000));
  const bErr = await bClosed;
  assert.equal(bErr?.code, "ERR_DECRYPT");
  // The sender learns why (the peer's last GOAWAY) or sees the link drop; either way it ends.
  assert.ok((await aClosed) !== undefined);
  tap.release();
});

test("a corrupted record length ends the link with ERR_PEER_TIMEOUT once the line stalls, before any keepalive", {
  skip,
}, async () => {
  let base = 0;
  const tap = await cableWithTap(
    () => base,
    () => 0x7f, // the high byte of the next record's length: now about 32 KiB long
  );
  // Keepalive far beyond the test's deadline: only the record stall can end the link.
  const [a, b] = await twoNodes({ keepaliveMs: 600_000, recordStallMs: 1_000 });
  b.handle("sink", (stream) => stream.resume());
  const { ab, ba } = await linkNodes(
    a,
    b,
    await Promise.all([openSerial({ path: tap.aSide }), openSerial({ path: tap.bSide })]),
  );
  const [aClosed, bClosed] = [closeError(ab), closeError(ba)];
  base = tap.arm();
  const stream = ab.openStream("sink");
  stream.on("error", () => {});
  stream.write("x");
  const bErr = await withDeadline(bClosed, "the stalled record to end the link");
  assert.equal(bErr?.code, "ERR_PEER_TIMEOUT");
  assert.match(bErr?.message ?? "", /halfway through a record/);
  // The sender is told why in b's last GOAWAY (its code comes back as a WireError).
  assert.equal((await withDeadline(aClosed, "the sender to hear of it"))?.code, "ERR_PEER_TIMEOUT");
  tap.release();
});

test("off a serial line a record that pauses halfway just waits: the stall rule is for lines that corrupt", async () => {
  // Keepalive 2 s: over a serial port a record stalled for 1 s would end the link.
  const [a, b] = await twoNodes({ keepaliveMs: 2_000 });
  const [near, far] = createMemoryDuplexPair();
  let held: Buffer[] | undefined;
  const aSide = new Duplex({
    write(chunk: Buffer, _encoding, done) {
      if (held) held.push(chunk);
      else near.write(chunk);
      done();
    },
    final(done) {
      near.end();
      done();
    },
    read() {},
  });
  near.on("data", (chunk: Buffer) => aSide.push(chunk));
  near.on("end", () => aSide.push(null));
  const [ab, ba] = await Promise.all([
    a.connect(aSide, { isInitiator: true, verifyPeer: expectPeer(b.id) }),
    b.connect(far, { isInitiator: false, verifyPeer: expectPeer(a.id) }),
  ]);
  let received = 0;
  let allArrived!: () => void;
  const arrived = new Promise<void>((resolve) => {
    allArrived = resolve;
  });
  b.handle("sink", (sink) => {
    sink.on("error", () => {});
    sink.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received === 60_000) allArrived();
    });
  });
  const stream = ab.openStream("sink");
  held = [];
  stream.write(Buffer.alloc(60_000));
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The first bytes of the record get through; the rest, and anything sent
  // meanwhile (pings), waits 2.5 s, in order.
  const first = Buffer.concat(held);
  held = [first.subarray(1_000)];
  near.write(first.subarray(0, 1_000));
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const rest = Buffer.concat(held);
  held = undefined;
  near.write(rest);
  await withDeadline(arrived, "the paused record to arrive");
  assert.equal(ba.closed, false);
  assert.equal(ab.closed, false);
  // This hand-made transport has no close of its own to wait for: end it here.
  for (const side of [stream, near, far, aSide]) side.on("error", () => {});
  ab.destroy();
  ba.destroy();
});
