// The forward service between two nodes in one process (linked in memory),
// with real TCP and UDP targets and local ports on 127.0.0.1.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, test } from "node:test";
import {
  checkForward,
  FORWARD_SERVICE,
  type ForwardEvent,
  type ForwarderEvent,
  hasCode,
  type Link,
  startForwarder,
  type WalkieNode,
} from "../../src/index.js";
import { linkedNodes } from "../helpers/linked-nodes.js";

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  after(() => server.close());
  return (server.address() as { port: number }).port;
}

/** A TCP echo server that echoes once the client has ended its side (proves half-close). */
async function echoAfterEnd(): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => socket.end(Buffer.concat(chunks)));
    socket.on("error", () => {});
  });
  return listen(server);
}

function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
    socket.end(data);
  });
}

/** Resolves when the socket is closed; with the error, if it failed. */
function closed(socket: Socket): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let failure: Error | undefined;
    socket.on("error", (err) => {
      failure = err;
    });
    socket.on("close", () => resolve(failure));
    socket.resume();
  });
}

async function setUp(allow: (port: number) => string[], targetPort: number) {
  const { a, b, ab } = await linkedNodes();
  b.setAllowForward(allow(targetPort));
  const served: ForwardEvent[] = [];
  b.on("forward", (event: ForwardEvent) => served.push(event));
  const local: ForwarderEvent[] = [];
  return { a, b, ab, served, local };
}

function forwarder(
  link: Link,
  target: { host: string; port: number; protocol?: "tcp" | "udp" },
  events: ForwarderEvent[],
) {
  return startForwarder({
    link: async () => link,
    target: { protocol: target.protocol ?? "tcp", host: target.host, port: target.port },
    onEvent: (event) => events.push(event),
  }).then((f) => {
    after(() => f.close());
    return f;
  });
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

test("TCP: concurrent forwarded connections each reach the target, with half-close", async () => {
  const targetPort = await echoAfterEnd();
  const { ab, served, local } = await setUp((p) => [`127.0.0.1:${p}`], targetPort);
  await checkForward(ab, { protocol: "tcp", host: "127.0.0.1", port: targetPort });
  const fwd = await forwarder(ab, { host: "127.0.0.1", port: targetPort }, local);
  const payloads = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i * 50_000));
  const echoed = await Promise.all(payloads.map((data) => exchange(fwd.port, data)));
  for (const [i, data] of echoed.entries()) assert.ok(data.equals(payloads[i]!));
  assert.equal(served.filter((e) => e.type === "open").length, 20);
  assert.equal(local.filter((e) => e.type === "error").length, 0);
});

test("TCP: a target that is not allowed is refused on both sides with ERR_FORWARD_NOT_ALLOWED", async () => {
  const targetPort = await echoAfterEnd();
  const { ab, served, local } = await setUp(() => ["127.0.0.1:1/tcp"], targetPort);
  const target = { protocol: "tcp" as const, host: "127.0.0.1", port: targetPort };
  await assert.rejects(checkForward(ab, target), (err) => hasCode(err, "ERR_FORWARD_NOT_ALLOWED"));
  const fwd = await forwarder(ab, target, local);
  const socket = connect({ port: fwd.port, host: "127.0.0.1" });
  socket.write("hello");
  await closed(socket);
  await until(() => local.some((e) => e.type === "error"));
  const error = local.find((e) => e.type === "error");
  assert.ok(error?.type === "error" && error.error.code === "ERR_FORWARD_NOT_ALLOWED");
  assert.ok(served.every((e) => e.type === "error" && e.error.code === "ERR_FORWARD_NOT_ALLOWED"));
  assert.ok(served.length >= 2);
  // The link survives: an allowed target still works.
  assert.ok(!ab.closed);
});

test("TCP: a target that refuses gives ERR_FORWARD_REFUSED, one that vanishes ERR_FORWARD_RESET", async () => {
  const vanishing = createServer((socket) => {
    socket.once("data", () => socket.resetAndDestroy());
  });
  const vanishingPort = await listen(vanishing);
  const refusing = createServer();
  const refusingPort = await listen(refusing);
  refusing.close();
  const { ab, served, local } = await setUp(
    () => [`127.0.0.1:${refusingPort}`, `127.0.0.1:${vanishingPort}`],
    0,
  );

  const toRefusing = await forwarder(ab, { host: "127.0.0.1", port: refusingPort }, local);
  const first = connect({ port: toRefusing.port, host: "127.0.0.1" });
  await closed(first);
  await until(() => local.some((e) => e.type === "error"));
  assert.equal(errorCodes(local), "ERR_FORWARD_REFUSED");
  assert.equal(errorCodes(served), "ERR_FORWARD_REFUSED");

  local.length = 0;
  served.length = 0;
  const toVanishing = await forwarder(ab, { host: "127.0.0.1", port: vanishingPort }, local);
  const second = connect({ port: toVanishing.port, host: "127.0.0.1" });
  second.write("trigger");
  await closed(second);
  await until(() => local.some((e) => e.type === "error"));
  assert.equal(errorCodes(local), "ERR_FORWARD_RESET");
  assert.equal(errorCodes(served), "ERR_FORWARD_RESET");
  assert.ok(!ab.closed);
});

function errorCodes(events: Array<ForwardEvent | ForwarderEvent>): string {
  return events
    .filter((e) => e.type === "error")
    .map((e) => (e.type === "error" ? e.error.code : ""))
    .join(",");
}

test("TCP: a connection whose reader stalls does not hold up another on the same link", async () => {
  let stalled: Socket | undefined;
  const sink = createServer((socket) => {
    stalled = socket;
    socket.pause(); // never reads
  });
  const sinkPort = await listen(sink);
  const echoPort = await echoAfterEnd();
  const { ab, local } = await setUp(() => [`127.0.0.1:${sinkPort}`, `127.0.0.1:${echoPort}`], 0);
  const toSink = await forwarder(ab, { host: "127.0.0.1", port: sinkPort }, local);
  const toEcho = await forwarder(ab, { host: "127.0.0.1", port: echoPort }, local);
  const heavy = connect({ port: toSink.port, host: "127.0.0.1" });
  heavy.on("error", () => {});
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 32 && heavy.write(chunk); i++);
  await until(() => stalled !== undefined);
  const data = randomBytes(100_000);
  assert.ok((await exchange(toEcho.port, data)).equals(data));
  heavy.destroy();
});

/** A UDP echo server that answers each datagram with a prefix naming the sender. */
async function udpEcho(): Promise<number> {
  const server = createSocket("udp4");
  server.on("message", (msg, rinfo) =>
    server.send(Buffer.concat([Buffer.from(`${msg.length}:`), msg]), rinfo.port, rinfo.address),
  );
  server.bind(0, "127.0.0.1");
  await once(server, "listening");
  after(() => server.close());
  return server.address().port;
}

async function udpClient(): Promise<{ socket: UdpSocket; replies: Buffer[] }> {
  const socket = createSocket("udp4");
  const replies: Buffer[] = [];
  socket.on("message", (msg) => replies.push(msg));
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  after(() => socket.close());
  return { socket, replies };
}

test("UDP: datagrams keep their boundaries and each reply reaches its own sender", async () => {
  const targetPort = await udpEcho();
  const { ab, served, local } = await setUp((p) => [`127.0.0.1:${p}/udp`], targetPort);
  const fwd = await forwarder(ab, { host: "127.0.0.1", port: targetPort, protocol: "udp" }, local);
  const [one, two] = [await udpClient(), await udpClient()];
  const sizes = [1, 100, 1400, 8000, 60_000];
  for (const size of sizes) {
    one.socket.send(Buffer.alloc(size, 1), fwd.port, "127.0.0.1");
    two.socket.send(Buffer.alloc(size + 1, 2), fwd.port, "127.0.0.1");
  }
  await until(() => one.replies.length === sizes.length && two.replies.length === sizes.length);
  assert.deepEqual(
    one.replies.map((r) => r.toString("latin1", 0, r.indexOf(":"))),
    sizes.map(String),
  );
  assert.ok(one.replies.every((r) => r.subarray(r.indexOf(":") + 1).every((byte) => byte === 1)));
  assert.deepEqual(
    two.replies.map((r) => r.toString("latin1", 0, r.indexOf(":"))),
    sizes.map((s) => String(s + 1)),
  );
  assert.equal(fwd.active, 2);
  assert.equal(served.filter((e) => e.type === "open").length, 2);
});

test("UDP: a target that is not allowed is refused with ERR_FORWARD_NOT_ALLOWED", async () => {
  const targetPort = await udpEcho();
  const { ab, local } = await setUp((p) => [`127.0.0.1:${p}/tcp`], targetPort);
  await assert.rejects(
    checkForward(ab, { protocol: "udp", host: "127.0.0.1", port: targetPort }),
    (err) => hasCode(err, "ERR_FORWARD_NOT_ALLOWED"),
  );
  const fwd = await forwarder(ab, { host: "127.0.0.1", port: targetPort, protocol: "udp" }, local);
  const client = await udpClient();
  client.socket.send("x", fwd.port, "127.0.0.1");
  await until(() => local.some((e) => e.type === "error"));
  assert.equal(errorCodes(local), "ERR_FORWARD_NOT_ALLOWED");
});

test("a forward request with malformed metadata is reset with ERR_FORWARD_INVALID", async () => {
  const { ab, b } = await linkedNodes();
  const errors: ForwardEvent[] = [];
  (b as WalkieNode).on("forward", (event: ForwardEvent) => errors.push(event));
  const stream = ab.openStream(FORWARD_SERVICE, Buffer.from("a16176ff", "hex"));
  const err = await new Promise<unknown>((resolve) => stream.once("error", resolve));
  assert.equal((err as { remoteCode?: string }).remoteCode, "ERR_FORWARD_INVALID");
  assert.equal(errorCodes(errors), "ERR_FORWARD_INVALID");
});
