// The local server of a running node, in-process over real sockets on
// loopback: who may call it, the event stream, pairing through the API,
// reconnection, live stats and /metrics.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import {
  eventually,
  httpCall,
  onlineWith,
  pair,
  startDaemon,
  type TestDaemon,
} from "../helpers/daemon.js";

/** A message of the event stream, as the tests look at it. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the node sent
type Message = any;
type PeerView = { id: string; online: boolean };

/** Opens the event stream; resolves with the socket and the messages it gets. */
function openEvents(
  daemon: TestDaemon,
  options: { token?: string; origin?: string } = {},
): Promise<{ ws: WebSocket; messages: Message[] }> {
  const token = options.token ?? daemon.token;
  const ws = new WebSocket(`ws://127.0.0.1:${daemon.web.port}/api/events?token=${token}`, {
    origin: options.origin ?? daemon.web.origin,
  });
  const messages: Message[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(String(data))));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, messages }));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

test("API calls without the token, with a wrong one, from another origin or host are refused", async () => {
  const a = await startDaemon("alice");
  const port = a.web.port;
  const none = await httpCall(port, "GET", "/api/status");
  assert.equal(none.status, 401);
  assert.equal(none.json.error.code, "ERR_BAD_TOKEN");
  const wrong = await a.call("GET", "/api/status", undefined, { authorization: "Bearer nope" });
  assert.equal(wrong.status, 401);
  const metrics = await httpCall(port, "GET", "/metrics");
  assert.equal(metrics.status, 401);
  const auth = { authorization: `Bearer ${a.token}` };
  const origin = await a.call("GET", "/api/status", undefined, {
    ...auth,
    origin: "http://evil.example",
  });
  assert.equal(origin.status, 403);
  assert.equal(origin.json.error.code, "ERR_BAD_ORIGIN");
  const host = await a.call("GET", "/api/status", undefined, { ...auth, host: "evil.example" });
  assert.equal(host.status, 403);
  assert.equal(host.json.error.code, "ERR_BAD_HOST");
  const post = await a.call(
    "POST",
    "/api/pair/wait",
    {},
    { ...auth, origin: "http://evil.example" },
  );
  assert.equal(post.status, 403);
  assert.equal(a.service.pairing.state.state, "idle", "a refused request changes nothing");
  const page = await httpCall(port, "GET", "/", undefined, { host: "rebound.example:80" });
  assert.equal(page.status, 403, "pages too are refused under another host name");
  const ok = await a.call("GET", "/api/status");
  assert.equal(ok.status, 200);
  assert.equal(ok.json.node.id, a.node.id);
  assert.equal(ok.headers["x-frame-options"], "DENY");
});

test("oversized and malformed requests get clear errors", async () => {
  const a = await startDaemon("alice");
  const big = await a.call("POST", "/api/pair/join", JSON.stringify({ code: "x".repeat(200_000) }));
  assert.equal(big.status, 413);
  const bad = await a.call("POST", "/api/pair/join", "{nope");
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "ERR_BAD_REQUEST");
  const code = await a.call("POST", "/api/pair/join", {
    code: "7-notaword-atall",
    from: "127.0.0.1:1",
  });
  assert.equal(code.status, 400);
  assert.equal(code.json.error.code, "ERR_BAD_CODE");
  const missing = await a.call("GET", "/api/nothing");
  assert.equal(missing.status, 404);
  const method = await a.call("DELETE", "/api/status");
  assert.equal(method.status, 405);
});

test("the event stream needs the token and the node's own origin", async () => {
  const a = await startDaemon("alice");
  await assert.rejects(openEvents(a, { token: "wrong" }), /HTTP 401/);
  await assert.rejects(openEvents(a, { origin: "http://evil.example" }), /HTTP 403/);
  const { ws, messages } = await openEvents(a);
  const hello = await eventually("the hello snapshot", () =>
    messages.find((m) => m.type === "hello"),
  );
  assert.equal(hello.status.node.id, a.node.id);
  await eventually("a tick", () => messages.find((m) => m.type === "tick"));
  ws.close();
});

test("a client that floods the event stream is closed, and the node carries on", async () => {
  const a = await startDaemon("alice");
  const { ws } = await openEvents(a);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  for (let i = 0; i < 200; i++) ws.send("x".repeat(100));
  assert.equal(await closed, 1008);
  const huge = await openEvents(a);
  const closedHuge = new Promise<number>((resolve) =>
    huge.ws.once("close", (code) => resolve(code)),
  );
  huge.ws.send(Buffer.alloc(1024 * 1024));
  assert.equal(await closedHuge, 1009, "a message over the limit closes the socket");
  assert.equal((await a.call("GET", "/api/status")).status, 200);
});

test("two nodes pair through the API, link by themselves, and report live stats and metrics", async () => {
  const a = await startDaemon("alice");
  const b = await startDaemon("bob");
  const events = await openEvents(a);
  await pair(a, b);
  await eventually("a linked with b", onlineWith(a, b.node.id));
  await eventually("b linked with a", onlineWith(b, a.node.id));
  await eventually("the paired event", () =>
    events.messages.find((m) => m.type === "pairing" && m.pairing.state === "paired"),
  );
  await eventually("a peers event with b online", () =>
    events.messages.find(
      (m) => m.type === "peers" && m.peers.paired.some((p: PeerView) => p.online),
    ),
  );
  const status = await eventually("an RTT", async () => {
    const s = (await a.call("GET", "/api/status")).json;
    return s.links.length === 1 && s.links[0].rttMs !== null ? s : undefined;
  });
  assert.equal(status.totals.links, 1);
  assert.equal(status.links[0].peerId, b.node.id);
  assert.ok(status.links[0].bytesIn > 0);
  const history = (await a.call("GET", `/api/history?peer=${b.node.id}`)).json;
  assert.ok(history.t.length > 0 && history.t.length === history.rttMs.length);

  const metrics = await a.call("GET", "/metrics");
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.text, /^walkie_links 1$/m);
  assert.match(metrics.text, /^walkie_handshakes_total\{direction="(in|out)",result="ok"\} \d+$/m);
  assert.match(metrics.text, /^walkie_link_rtt_seconds_bucket\{le="\+Inf"\} \d+$/m);
  assert.match(metrics.text, /^walkie_link_bytes\{direction="in",peer="[A-Z2-7]+"\} \d+$/m);
  events.ws.close();
});

test("a peer that goes away is shown offline, and linked again when it comes back", async () => {
  const a = await startDaemon("alice");
  let b = await startDaemon("bob");
  await pair(a, b);
  await eventually("a linked with b", onlineWith(a, b.node.id));
  const { home, service } = b;
  const port = service.port;
  await b.close();
  await eventually("b shown offline", async () => {
    const peers = (await a.call("GET", "/api/peers")).json;
    return peers.paired.find((peer: PeerView) => peer.id === b.node.id && !peer.online);
  });
  const log = (await a.call("GET", "/api/log")).json.entries;
  assert.ok(log.some((entry: { message: string }) => /link closed with bob/.test(entry.message)));
  b = await startDaemon("bob", { home, port });
  await eventually("a linked again with b", onlineWith(a, b.node.id));
  await eventually("b linked again with a", onlineWith(b, a.node.id));
});

test("unpairing through the API closes the link and the peer stays away", async () => {
  const a = await startDaemon("alice");
  const b = await startDaemon("bob");
  await pair(a, b);
  await eventually("a linked with b", onlineWith(a, b.node.id));
  const removed = await a.call("DELETE", `/api/peers/${b.node.id.slice(0, 9)}`);
  assert.equal(removed.status, 200, removed.text);
  assert.equal(removed.json.removed, true);
  await eventually(
    "no links on a",
    async () => (await a.call("GET", "/api/status")).json.links.length === 0,
  );
  await new Promise((resolve) => setTimeout(resolve, 700)); // b's keeper retries meanwhile
  assert.equal(a.node.links().length, 0, "b's dials are refused: a no longer pairs with it");
  const unknown = await a.call("DELETE", `/api/peers/${b.node.id.slice(0, 9)}`);
  assert.equal(unknown.status, 404);
});
