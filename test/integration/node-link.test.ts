// Two nodes in one process over real TCP sockets on loopback.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { test } from "node:test";
import {
  createMemoryDuplexPair,
  createNode,
  expectPeer,
  hasCode,
  type Link,
  type WalkieNode,
} from "../../src/index.js";
import { tempDir } from "../helpers/temp.js";

function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

async function twoNodes(): Promise<[WalkieNode, WalkieNode]> {
  const a = await createNode({ home: tempDir(), name: "alice" });
  const b = await createNode({ home: tempDir(), name: "bob" });
  return [a, b];
}

function nextLink(node: WalkieNode): Promise<Link> {
  return new Promise((resolve) => node.once("link", resolve));
}

test("a dialled link carries streams both ways and reports stats", async () => {
  const [a, b] = await twoNodes();
  b.handle("echo", (stream) => stream.pipe(stream));
  a.handle("echo", (stream) => stream.pipe(stream));
  const listener = await b.listen({ host: "127.0.0.1", allow: [a.id] });
  const incoming = nextLink(b);
  const link = await a.dial({ host: "127.0.0.1", port: listener.port, peer: b.id });
  const bLink = await incoming;
  assert.equal(link.peer.id, b.id);
  assert.equal(link.peer.name, "bob");
  assert.equal(bLink.peer.id, a.id);

  const data = randomBytes(5 * 1024 * 1024);
  const fromA = link.openStream("echo");
  const echoed = readAll(fromA);
  fromA.end(data);
  const fromB = bLink.openStream("echo");
  const echoedB = readAll(fromB);
  fromB.end("hello");
  assert.equal(sha(await echoed), sha(data));
  assert.equal((await echoedB).toString(), "hello");

  const rtt = await link.ping();
  assert.ok(rtt >= 0);
  const stats = link.stats();
  assert.ok(stats.bytesOut > data.length && stats.bytesIn > data.length);
  assert.equal(stats.peerId, b.id);
  await a.close();
  await b.close();
});

test("an unknown service is refused with ERR_UNKNOWN_SERVICE", async () => {
  const [a, b] = await twoNodes();
  const listener = await b.listen({ host: "127.0.0.1", allow: [a.id] });
  const link = await a.dial({ host: "127.0.0.1", port: listener.port, peer: b.id });
  const stream = link.openStream("nope");
  stream.end("x");
  const err = await new Promise<Error>((resolve) => stream.once("error", resolve));
  assert.ok(hasCode(err, "ERR_STREAM_RESET"));
  assert.equal((err as { remoteCode?: string }).remoteCode, "ERR_UNKNOWN_SERVICE");
  await a.close();
  await b.close();
});

test("a key that is not allowed is refused on both sides", async () => {
  const [a, b] = await twoNodes();
  const listener = await b.listen({ host: "127.0.0.1", allow: [] });
  const refused = new Promise<unknown>((resolve) => b.once("link-error", resolve));
  await assert.rejects(a.dial({ host: "127.0.0.1", port: listener.port, peer: b.id }), (err) =>
    hasCode(err, "ERR_PEER_REFUSED_US"),
  );
  assert.ok(hasCode(await refused, "ERR_PEER_NOT_ALLOWED"));
  await a.close();
  await b.close();
});

test("dialling an address where another device answers fails on both sides", async () => {
  const [a, b] = await twoNodes();
  const c = await createNode({ home: tempDir(), name: "carol" });
  const listener = await b.listen({ host: "127.0.0.1", allow: [a.id] });
  const refused = new Promise<unknown>((resolve) => b.once("link-error", resolve));
  await assert.rejects(a.dial({ host: "127.0.0.1", port: listener.port, peer: c.id }), (err) =>
    hasCode(err, "ERR_UNEXPECTED_PEER"),
  );
  const err = await refused;
  assert.ok(hasCode(err, "ERR_PEER_REFUSED_US"), String(err));
  await a.close();
  await b.close();
});

test("a graceful close lets both sides end cleanly", async () => {
  const [a, b] = await twoNodes();
  const listener = await b.listen({ host: "127.0.0.1", allow: [a.id] });
  const incoming = nextLink(b);
  const link = await a.dial({ host: "127.0.0.1", port: listener.port, peer: b.id });
  const bLink = await incoming;
  const bClosed = new Promise((resolve) => bLink.once("close", resolve));
  await link.close();
  assert.equal(await bClosed, undefined);
  await a.close();
  await b.close();
});

function sha(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

test("a link whose handshake ends while its node closes is closed too, on both sides", async () => {
  const [a, b] = await twoNodes();
  const [toB, toA] = createMemoryDuplexPair();
  const dialled = a.connect(toB, { isInitiator: true, verifyPeer: expectPeer(b.id) });
  const answered = b.connect(toA, { isInitiator: false, verifyPeer: expectPeer(a.id) });
  // The handshake is under way: close() finds no link yet to close.
  await b.close();
  await assert.rejects(answered, (err) => hasCode(err, "ERR_LINK_CLOSED"));
  assert.deepEqual(b.links(), []);
  // a hears b's goodbye instead of keeping a link to a node that is gone.
  const link = await dialled.catch(() => undefined);
  if (link !== undefined && !link.closed)
    await new Promise((resolve) => link.once("close", resolve));
  assert.deepEqual(a.links(), []);
  await a.close();
});
