// Chat through a running node's API and event stream, in-process over
// loopback: messages both ways with history and receipts, and a message to
// a peer that went away, delivered when it is back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import { eventually, onlineWith, pair, startDaemon, type TestDaemon } from "../helpers/daemon.js";

interface Message {
  id: string;
  peer: string;
  direction: "in" | "out";
  text: string;
  deliveredAt?: number;
}

function chatEvents(daemon: TestDaemon): { messages: Message[]; close(): void } {
  const ws = new WebSocket(`ws://127.0.0.1:${daemon.web.port}/api/events?token=${daemon.token}`, {
    origin: daemon.web.origin,
  });
  const messages: Message[] = [];
  ws.on("message", (data) => {
    const event = JSON.parse(String(data)) as { type: string; message?: Message };
    if (event.type === "chat" && event.message) messages.push(event.message);
  });
  return { messages, close: () => ws.close() };
}

const history = async (daemon: TestDaemon, peer: string): Promise<Message[]> =>
  (await daemon.call("GET", `/api/chat/${peer}`)).json.messages;

test("chat through the API: the peer gets an event, both keep the history, the receipt comes back", async () => {
  const a = await startDaemon("alice");
  const b = await startDaemon("bob");
  await pair(a, b);
  await eventually("linked", onlineWith(a, b.node.id));
  const eventsA = chatEvents(a);
  const eventsB = chatEvents(b);
  await new Promise((resolve) => setTimeout(resolve, 100)); // sockets open
  const sent = await a.call("POST", "/api/chat/bob", { text: "lunch at 1?" });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.json.direction, "out");
  const got = await eventually("bob's event", () =>
    eventsB.messages.find((m) => m.id === sent.json.id),
  );
  assert.equal(got.direction, "in");
  assert.equal(got.text, "lunch at 1?");
  await eventually("the receipt on alice's side", () =>
    eventsA.messages.find((m) => m.id === sent.json.id && m.deliveredAt !== undefined),
  );
  const reply = await b.call("POST", "/api/chat/alice", { text: "yes 🙂" });
  assert.equal(reply.status, 200);
  await eventually("alice's event", () => eventsA.messages.find((m) => m.text === "yes 🙂"));
  const onA = await history(a, "bob");
  assert.deepEqual(
    onA.map((m) => [m.direction, m.text]),
    [
      ["out", "lunch at 1?"],
      ["in", "yes 🙂"],
    ],
  );
  const empty = await a.call("POST", "/api/chat/bob", { text: "" });
  assert.equal(empty.status, 400);
  const metrics = (await b.call("GET", "/metrics")).text;
  assert.match(metrics, /^walkie_chat_messages_total\{direction="in"\} 1$/m);
  eventsA.close();
  eventsB.close();
});

test("a message to a peer that went away waits, and is delivered once it is back", async () => {
  const a = await startDaemon("alice");
  let b = await startDaemon("bob");
  await pair(a, b);
  await eventually("linked", onlineWith(a, b.node.id));
  const { home, service } = b;
  const port = service.port;
  await b.close();
  await eventually(
    "offline",
    async () => (await a.call("GET", "/api/status")).json.links.length === 0,
  );
  const sent = (await a.call("POST", "/api/chat/bob", { text: "call me when you are back" })).json;
  const [waiting] = await history(a, "bob");
  assert.equal(waiting?.deliveredAt, undefined);
  b = await startDaemon("bob", { home, port });
  const delivered = async () =>
    (await history(a, "bob")).find((m) => m.id === sent.id && m.deliveredAt !== undefined);
  await eventually("delivered", delivered).catch(async (err: Error) => {
    // Once seen taking over 15 s under heavy load: say what each side saw.
    const status = async (d: typeof a) => JSON.stringify((await d.call("GET", "/api/status")).json);
    throw new Error(`${err.message}\nalice: ${await status(a)}\nbob: ${await status(b)}`);
  });
  const onB = await history(b, "alice");
  assert.deepEqual(
    onB.map((m) => m.text),
    ["call me when you are back"],
  );
});
