// A node in this process, attacked over raw TCP sockets: bad preambles and
// handshake messages, stalled and piled-up handshakes, and forged or
// corrupted records after a real handshake. Each attack must end that
// connection with the right `code`, and the node must go on serving others.
// Last, a pipe through a recording proxy must show no plaintext on the wire.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { after, test } from "node:test";
import { encode } from "cborg";
import { generateKeyPair, HandshakeState } from "../../src/crypto/noise/index.js";
import {
  createNode,
  deviceIdFromPublicKey,
  hasCode,
  type Link,
  type MuxStream,
  type WalkieNode,
  WireError,
} from "../../src/index.js";
import { PROTOCOL_VERSION, runHandshake } from "../../src/link/handshake.js";
import { RecordOpener, RecordSealer } from "../../src/link/records.js";
import {
  decodeRecord,
  encodeDataHeader,
  encodeOpen,
  encodePing,
  FRAME_HEADER_SIZE,
  FrameType,
  MAX_FRAME_PAYLOAD,
} from "../../src/wire/index.js";
import { makeIdentity, startDialer, startListener, withDeadline } from "../helpers/cli.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";
import { tempDir } from "../helpers/temp.js";

const HOST = "127.0.0.1";
const PREAMBLE = Buffer.from([0x57, 0x41, 0x4c, 0x4b, PROTOCOL_VERSION, 0, 0, 0]);
const PROLOGUE = Buffer.concat([Buffer.from("walkie/1", "ascii"), PREAMBLE]);
/** Message 1 of Noise XX (`-> e`, empty payload): any 32 bytes are a well-formed one. */
const MESSAGE_1 = framed(randomBytes(32));

function framed(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

// Streams that die with their link emit 'error'; kept here rather than crashing the run.
const streamErrors: Error[] = [];
const heldStreams: MuxStream[] = [];

function serveEcho(node: WalkieNode): void {
  node.handle("echo", (stream) => {
    stream.on("error", (err) => streamErrors.push(err));
    stream.pipe(stream);
  });
}

/** The attacker's own key, allowed by the victim: attacks after the handshake need a real one. */
const mallory = generateKeyPair();
const friend = await createNode({ home: tempDir(), name: "friend" });
// The victim gives up on handshakes after 500 ms so the stall tests are quick.
const victim = await createNode({ home: tempDir(), name: "victim", handshakeTimeoutMs: 500 });
serveEcho(victim);
// "sink" never reads, so the credit it grants is never returned.
victim.handle("sink", (stream) => {
  stream.on("error", (err) => streamErrors.push(err));
  heldStreams.push(stream);
});
const victimPort = (
  await victim.listen({ host: HOST, allow: [friend.id, deviceIdFromPublicKey(mallory.publicKey)] })
).port;

function nextLinkError(node: WalkieNode): Promise<unknown> {
  return once(node, "link-error").then(([err]) => err);
}

function nextLink(node: WalkieNode): Promise<Link> {
  return once(node, "link").then(([link]) => link as Link);
}

function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

/** A legitimate peer still links to `port` and an echo stream round-trips. */
async function assertStillServes(node: WalkieNode, port: number): Promise<void> {
  const link = await friend.dial({ host: HOST, port, peer: node.id });
  const stream = link.openStream("echo");
  const data = randomBytes(200_000);
  const echoed = readAll(stream);
  stream.end(data);
  assert.ok((await echoed).equals(data), "echo came back different");
  await link.close();
}

/** A raw TCP connection that records what it receives and when it is closed. */
interface RawConnection {
  socket: Socket;
  received: () => Buffer;
  /** Resolves once at least `bytes` bytes came in. */
  waitForBytes: (bytes: number) => Promise<void>;
  /** Resolves when the other side has closed the connection. */
  closed: Promise<void>;
  /** Socket errors: a reset (ECONNRESET) is one way for the victim to hang up. */
  errors: Error[];
}

async function rawConnect(port: number): Promise<RawConnection> {
  const socket = connect({ host: HOST, port });
  const chunks: Buffer[] = [];
  let total = 0;
  const waiters: Array<{ bytes: number; resolve: () => void }> = [];
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
    for (const waiter of waiters.filter((w) => total >= w.bytes)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const errors: Error[] = [];
  socket.on("error", (err) => errors.push(err));
  const closed = once(socket, "close").then(() => undefined);
  await once(socket, "connect");
  return {
    socket,
    received: () => Buffer.concat(chunks),
    waitForBytes: (bytes) =>
      total >= bytes
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ bytes, resolve })),
    closed,
    errors,
  };
}

/** Sends `bytes` (then EOF if `end`), expects the victim to fail the handshake with `code` and hang up. */
async function attack(bytes: Buffer, code: string, end = false): Promise<RawConnection> {
  const failed = nextLinkError(victim);
  const raw = await rawConnect(victimPort);
  if (end) raw.socket.end(bytes);
  else raw.socket.write(bytes);
  const err = await failed;
  assert.ok(hasCode(err, code), `expected ${code}, got ${String(err)}`);
  await raw.closed;
  return raw;
}

const preambleAttacks: Array<{ name: string; bytes: Buffer; code: string; end?: boolean }> = [
  {
    name: "garbage bytes instead of a preamble",
    bytes: Buffer.from("GET / HTTP/1.1\r\nHost: walkie\r\n\r\n"),
    code: "ERR_BAD_PREAMBLE",
  },
  {
    name: "a preamble with an unknown version",
    bytes: Buffer.from([0x57, 0x41, 0x4c, 0x4b, PROTOCOL_VERSION + 1, 0, 0, 0]),
    code: "ERR_BAD_PREAMBLE",
  },
  {
    name: "a preamble with an unknown mode",
    bytes: Buffer.from([0x57, 0x41, 0x4c, 0x4b, PROTOCOL_VERSION, 7, 0, 0]),
    code: "ERR_BAD_PREAMBLE",
  },
  {
    name: "a preamble with reserved bytes set",
    bytes: Buffer.from([0x57, 0x41, 0x4c, 0x4b, PROTOCOL_VERSION, 0, 0, 1]),
    code: "ERR_BAD_PREAMBLE",
  },
  {
    name: "a valid preamble then garbage",
    bytes: Buffer.concat([PREAMBLE, Buffer.from("\x00\x05hello\x00\x00garbage", "latin1")]),
    code: "ERR_HANDSHAKE",
  },
  {
    name: "an oversized handshake length (refused before the body arrives)",
    bytes: Buffer.concat([PREAMBLE, Buffer.from([0xff, 0xff])]),
    code: "ERR_HANDSHAKE",
  },
  {
    name: "a truncated handshake message, then EOF",
    bytes: Buffer.concat([PREAMBLE, Buffer.from([0x00, 0x20]), randomBytes(10)]),
    code: "ERR_HANDSHAKE_ABORTED",
    end: true,
  },
];

for (const { name, bytes, code, end } of preambleAttacks) {
  test(`${name}: ${code}, nothing answered, and the node keeps serving`, async () => {
    const raw = await attack(bytes, code, end);
    assert.equal(raw.received().length, 0, "the victim must not answer a bad first message");
    await assertStillServes(victim, victimPort);
  });
}

test("a third handshake message that does not verify: ERR_HANDSHAKE, and the node keeps serving", async () => {
  const failed = nextLinkError(victim);
  const raw = await rawConnect(victimPort);
  raw.socket.write(Buffer.concat([PREAMBLE, MESSAGE_1]));
  await raw.waitForBytes(3); // message 2 is on its way: the victim took message 1
  raw.socket.write(framed(randomBytes(96)));
  assert.ok(hasCode(await failed, "ERR_HANDSHAKE"));
  await raw.closed;
  await assertStillServes(victim, victimPort);
});

/** Runs a real XX handshake by hand up to message 3, whose payload (the hello) is `hello`. */
async function sendHello(hello: Buffer): Promise<RawConnection> {
  const state = new HandshakeState({
    protocolName: "Noise_XX_25519_ChaChaPoly_SHA256",
    initiator: true,
    prologue: PROLOGUE,
    staticKeyPair: mallory,
  });
  const raw = await rawConnect(victimPort);
  raw.socket.write(Buffer.concat([PREAMBLE, framed(state.writeMessage())]));
  await raw.waitForBytes(2);
  const length = raw.received().readUInt16BE(0);
  await raw.waitForBytes(2 + length);
  state.readMessage(raw.received().subarray(2, 2 + length));
  raw.socket.write(framed(state.writeMessage(hello)));
  return raw;
}

for (const [name, hello] of [
  ["a hello that is not CBOR", Buffer.from([0xff, 0xfe, 0xfd])],
  ["a hello without a name", Buffer.from(encode({ v: PROTOCOL_VERSION }))],
  [
    "a hello over 1,024 bytes",
    Buffer.from(encode({ v: PROTOCOL_VERSION, name: "x".repeat(2000) })),
  ],
  // {"v": 1, "name": <text string of the bytes ff fe>}: not UTF-8
  [
    "a hello whose name is not UTF-8",
    Buffer.from([0xa2, 0x61, 0x76, 0x01, 0x64, 0x6e, 0x61, 0x6d, 0x65, 0x62, 0xff, 0xfe]),
  ],
] as const) {
  test(`${name}: ERR_HANDSHAKE_PAYLOAD, and the node keeps serving`, async () => {
    const failed = nextLinkError(victim);
    const raw = await sendHello(hello);
    const err = await failed;
    assert.ok(hasCode(err, "ERR_HANDSHAKE_PAYLOAD"), String(err));
    await raw.closed;
    await assertStillServes(victim, victimPort);
  });
}

const stalls: Array<{ name: string; bytes: Buffer }> = [
  { name: "connect and send nothing", bytes: Buffer.alloc(0) },
  { name: "send the preamble and stall", bytes: PREAMBLE },
  { name: "send the first message and stall", bytes: Buffer.concat([PREAMBLE, MESSAGE_1]) },
  {
    name: "send half a message and stall",
    bytes: Buffer.concat([PREAMBLE, MESSAGE_1.subarray(0, 20)]),
  },
];

for (const { name, bytes } of stalls) {
  test(`a handshake that never finishes (${name}) is closed with ERR_HANDSHAKE_TIMEOUT`, async () => {
    await attack(bytes, "ERR_HANDSHAKE_TIMEOUT");
    await assertStillServes(victim, victimPort);
  });
}

test("a peer that finishes the handshake but never sends a record is closed with ERR_HANDSHAKE_TIMEOUT", async () => {
  const failed = nextLinkError(victim);
  const raw = await rawConnect(victimPort);
  await runHandshake({
    transport: raw.socket,
    isInitiator: true,
    keyPair: mallory,
    name: "mallory",
    verifyPeer: () => {},
  });
  raw.socket.resume(); // the handshake paused it for the record layer
  assert.ok(hasCode(await failed, "ERR_HANDSHAKE_TIMEOUT"));
  await raw.closed;
  await assertStillServes(victim, victimPort);
});

test("more than maxPendingHandshakes stalled connections: the extra one gets ERR_TOO_MANY_HANDSHAKES, a legitimate peer links afterwards", async () => {
  // Default handshake timeout (10 s): the stalled handshakes stay pending while we look.
  const crowded = await createNode({ home: tempDir(), name: "crowded", maxPendingHandshakes: 4 });
  serveEcho(crowded);
  const { port } = await crowded.listen({ host: HOST, allow: [friend.id] });
  const stalled: RawConnection[] = [];
  for (let i = 0; i < 4; i++) {
    const raw = await rawConnect(port);
    raw.socket.write(Buffer.concat([PREAMBLE, MESSAGE_1]));
    await raw.waitForBytes(3); // answered: this handshake is pending now
    stalled.push(raw);
  }
  const refused = nextLinkError(crowded);
  const extra = await rawConnect(port);
  extra.socket.write(PREAMBLE);
  assert.ok(hasCode(await refused, "ERR_TOO_MANY_HANDSHAKES"));
  await extra.closed;
  assert.equal(extra.received().length, 0);

  const aborted: unknown[] = [];
  const allAborted = new Promise<void>((resolve) => {
    crowded.on("link-error", (err: unknown) => {
      aborted.push(err);
      if (aborted.length === stalled.length) resolve();
    });
  });
  for (const raw of stalled) raw.socket.destroy();
  await allAborted;
  assert.ok(
    aborted.every((err) => hasCode(err, "ERR_HANDSHAKE_ABORTED")),
    String(aborted),
  );
  await assertStillServes(crowded, port);
  await crowded.close();
});

/** Mallory's side of a real link to the victim: it can seal any record it likes. */
async function forgedLink(): Promise<{
  raw: RawConnection;
  send: (frames: Buffer[]) => void;
  victimLink: Link;
  /** GOAWAY codes the victim sent us. */
  goAways: string[];
}> {
  const linked = nextLink(victim);
  const raw = await rawConnect(victimPort);
  const { sendKey, receiveKey } = await runHandshake({
    transport: raw.socket,
    isInitiator: true,
    keyPair: mallory,
    name: "mallory",
    verifyPeer: () => {},
  });
  // Read what the victim says: it must tell us why it drops the link.
  const goAways: string[] = [];
  const opener = new RecordOpener(receiveKey);
  raw.socket.on("data", (chunk: Buffer) => {
    opener.push(chunk, (plaintext) => {
      for (const frame of decodeRecord(plaintext)) {
        if (frame.type === FrameType.GoAway) goAways.push(frame.code);
      }
    });
  });
  raw.socket.resume(); // the handshake paused it for the record layer
  const sealer = new RecordSealer(sendKey);
  const send = (frames: Buffer[]) => {
    raw.socket.write(sealer.seal(frames));
  };
  send([encodePing(Buffer.alloc(8), false)]); // a valid first record confirms the link
  return { raw, send, victimLink: await linked, goAways };
}

function unknownFrame(): Buffer {
  const frame = Buffer.alloc(FRAME_HEADER_SIZE);
  frame[0] = 9; // no such frame type
  frame.writeUInt32BE(1, 2);
  return frame;
}

const forgeries: Array<{ name: string; code: string; records: () => Buffer[][] }> = [
  { name: "an unknown frame type", code: "ERR_FRAME_INVALID", records: () => [[unknownFrame()]] },
  {
    name: "DATA on a stream id never opened",
    code: "ERR_STREAM_ID",
    records: () => [[encodeDataHeader(7, 4, false), Buffer.from("boom")]],
  },
  {
    name: "DATA beyond the window",
    code: "ERR_FLOW_CONTROL",
    records: () => {
      // The victim grants its receive window (1 MiB) and, as "sink" never
      // reads, nothing more; 17 full frames are 1,113,687 bytes.
      const payload = Buffer.alloc(MAX_FRAME_PAYLOAD, 0x61);
      const records: Buffer[][] = [[encodeOpen(1, "sink")]];
      for (let i = 0; i < 17; i++)
        records.push([encodeDataHeader(1, payload.length, false), payload]);
      return records;
    },
  },
];

for (const { name, code, records } of forgeries) {
  test(`after a real handshake, ${name}: the victim's link closes with ${code}, the node keeps serving`, async () => {
    const { raw, send, victimLink, goAways } = await forgedLink();
    const closed = once(victimLink, "close").then(([err]) => err);
    for (const record of records()) send(record);
    const err = await withDeadline(closed, "close of the victim's link");
    assert.ok(
      err instanceof WireError && hasCode(err, code),
      `expected ${code}, got ${String(err)}`,
    );
    await raw.closed;
    assert.deepEqual(goAways, [code], "the victim tells the peer why in a last GOAWAY");
    assert.deepEqual(goAways, [code], "the victim tells the peer why in a last GOAWAY");
    await assertStillServes(victim, victimPort);
  });
}

/**
 * Follows the initiator's bytes (8-byte preamble, then 2-byte-length
 * messages: handshake messages, then records) and, once armed, flips one
 * ciphertext byte of the next record.
 */
class RecordCorrupter {
  armed = false;
  flipped = false;
  private skip = PREAMBLE.length;
  private lengthHigh: number | undefined;
  private flipNext = false;

  inspect(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        if (this.flipNext) {
          chunk[i] = chunk[i]! ^ 0x01;
          this.flipNext = false;
          this.flipped = true;
        }
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
      } else if (this.lengthHigh === undefined) {
        this.lengthHigh = chunk[i++]!;
      } else {
        this.skip = (this.lengthHigh << 8) | chunk[i++]!;
        this.lengthHigh = undefined;
        this.flipNext = this.armed && !this.flipped && this.skip > 0;
      }
    }
  }
}

test("a record that fails authentication (one byte flipped on the wire): ERR_DECRYPT, the node keeps serving", async () => {
  const corrupter = new RecordCorrupter();
  const proxy = await startTcpProxy(victimPort, {
    onClientChunk: (chunk) => corrupter.inspect(chunk),
  });
  const linked = nextLink(victim);
  const link = await friend.dial({ host: HOST, port: proxy.port, peer: victim.id });
  const victimLink = await linked;
  const closed = once(victimLink, "close").then(([err]) => err);
  corrupter.armed = true;
  const stream = link.openStream("echo");
  stream.on("error", (err) => streamErrors.push(err));
  stream.end(Buffer.from("this record will arrive corrupted"));

  const err = await withDeadline(closed, "close of the victim's link");
  assert.ok(corrupter.flipped);
  assert.ok(err instanceof WireError && hasCode(err, "ERR_DECRYPT"), String(err));
  await proxy.close();
  await assertStillServes(victim, victimPort);
});

test("data looks encrypted: a pipe through a recording proxy never shows 16 bytes of plaintext", async () => {
  const alice = await makeIdentity();
  const bob = await makeIdentity();
  const aliceLine = "alice's secret plaintext: attack at dawn, 0123456789\n";
  const bobLine = "BOB REPLIES IN CAPITALS: RETREAT AT DUSK!\n";
  const fromAlice = Buffer.alloc(1024 * 1024, aliceLine);
  const fromBob = Buffer.alloc(1024 * 1024, bobLine);
  const { proc: listener, port } = await startListener(bob, [alice.id]);
  const proxy = await startTcpProxy(port);
  const dialer = startDialer(alice, proxy.port, bob.id);
  const feeds = [dialer.feed(fromAlice), listener.feed(fromBob)];
  await Promise.all([listener.expectExit(0), dialer.expectExit(0)]);
  assert.deepEqual(await Promise.all(feeds), [undefined, undefined]);
  assert.ok((await listener.stdout).data!.equals(fromAlice));
  assert.ok((await dialer.stdout).data!.equals(fromBob));
  await proxy.close();

  const wire = [Buffer.concat(proxy.toServer), Buffer.concat(proxy.toClient)];
  assert.ok(
    wire.every((bytes) => bytes.length > 1024 * 1024),
    "the proxy saw the traffic",
  );
  for (const [plaintext, line] of [
    [fromAlice, aliceLine],
    [fromBob, bobLine],
  ] as const) {
    // The text repeats every line, so these are all of its 16-byte windows.
    for (let offset = 0; offset < line.length; offset++) {
      const window = plaintext.subarray(offset, offset + 16);
      for (const bytes of wire) assert.equal(bytes.indexOf(window), -1, "plaintext on the wire");
    }
  }
});

test("no link from an attacker outlives its attack", () => {
  const malloryId = deviceIdFromPublicKey(mallory.publicKey);
  assert.deepEqual(
    victim.links().filter((link) => link.peer.id === malloryId),
    [],
  );
});

after(async () => {
  for (const stream of heldStreams) stream.destroy();
  await victim.close();
  await friend.close();
});
