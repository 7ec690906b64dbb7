// The chat service between two nodes in one process, linked in memory:
// receipts, history on disk, the offline queue, exactly-once delivery.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  CHAT_SERVICE,
  type ChatMessage,
  ChatService,
  hasCode,
  MAX_CHAT_TEXT,
  type WalkieError,
} from "../../src/index.js";
import { frameMessage } from "../../src/services/message-framing.js";
import { encodeCbor } from "../../src/services/strict-cbor.js";
import { linkNodes, twoNodes } from "../helpers/linked-nodes.js";

function nextEvent<T>(emitter: ChatService, name: string, count = 1): Promise<T[]> {
  return new Promise((resolve) => {
    const seen: T[] = [];
    const on = (value: T) => {
      seen.push(value);
      if (seen.length === count) {
        emitter.off(name, on);
        resolve(seen);
      }
    };
    emitter.on(name, on);
  });
}

test("a message arrives with its id and time, and its receipt comes back", async () => {
  const [a, b] = await twoNodes();
  const incoming = nextEvent<ChatMessage>(b.chat, "message");
  const receipt = nextEvent<ChatMessage>(a.chat, "receipt");
  await linkNodes(a, b);
  const sent = await a.chat.send(b.id, "hello bob ✓");
  const [got] = await incoming;
  assert.equal(got!.id, sent.id);
  assert.equal(got!.at, sent.at);
  assert.equal(got!.text, "hello bob ✓");
  assert.equal(got!.peer, a.id);
  const [confirmed] = await receipt;
  assert.equal(confirmed!.id, sent.id);
  assert.ok(confirmed!.deliveredAt !== undefined);
  // History on both sides, on disk: a fresh service on the same folder sees it.
  const again = new ChatService({ dir: join(a.home, "chat") });
  const history = await again.history(b.id);
  assert.deepEqual(
    history.map((m) => [m.direction, m.text, m.deliveredAt !== undefined]),
    [["out", "hello bob ✓", true]],
  );
  assert.equal((await b.chat.history(a.id))[0]?.direction, "in");
});

test("messages written while the peer is offline go out in order, exactly once, when it links", async () => {
  const [a, b] = await twoNodes();
  const texts = Array.from({ length: 20 }, (_, i) => `queued ${i}`);
  for (const text of texts) await a.chat.send(b.id, text);
  assert.equal((await a.chat.pending(b.id)).length, 20);
  const incoming = nextEvent<ChatMessage>(b.chat, "message", 20);
  const receipts = nextEvent<ChatMessage>(a.chat, "receipt", 20);
  await linkNodes(a, b);
  assert.deepEqual(
    (await incoming).map((m) => m.text),
    texts,
  );
  await receipts;
  assert.equal((await a.chat.pending(b.id)).length, 0);
  assert.equal((await b.chat.history(a.id)).length, 20);
});

test("a message whose receipt was lost is sent again and shown once", async () => {
  const [a, b] = await twoNodes();
  // As after a crash: a has the message as unconfirmed, b already has it.
  const message = { id: "0b6d3c7e-lost-receipt", at: 1_700_000_000_000, text: "did you get this?" };
  mkdirSync(join(a.home, "chat"), { recursive: true });
  mkdirSync(join(b.home, "chat"), { recursive: true });
  appendFileSync(
    join(a.home, "chat", `${b.id}.jsonl`),
    `${JSON.stringify({ kind: "out", ...message })}\n`,
  );
  appendFileSync(
    join(b.home, "chat", `${a.id}.jsonl`),
    `${JSON.stringify({ kind: "in", ...message, rx: message.at })}\n{"kind":"in","id":"torn`,
  );
  let shown = 0;
  b.chat.on("message", () => shown++);
  const receipt = nextEvent<ChatMessage>(a.chat, "receipt");
  await linkNodes(a, b);
  assert.equal((await receipt)[0]?.id, message.id);
  assert.equal(shown, 0);
  assert.equal((await b.chat.history(a.id)).length, 1);
});

test("text over the limit, invalid Unicode and empty text are refused before sending", async () => {
  const [a, b] = await twoNodes();
  await assert.rejects(a.chat.send(b.id, "x".repeat(MAX_CHAT_TEXT + 1)), (err) =>
    hasCode(err, "ERR_CHAT_TOO_LARGE"),
  );
  await assert.rejects(a.chat.send(b.id, "broken \ud800 surrogate"), (err) =>
    hasCode(err, "ERR_CHAT_INVALID_TEXT"),
  );
  await assert.rejects(a.chat.send(b.id, ""), (err) => hasCode(err, "ERR_CHAT_EMPTY"));
  assert.equal((await a.chat.pending(b.id)).length, 0);
  assert.ok(MAX_CHAT_TEXT >= 4096);
  await a.chat.send(b.id, "é".repeat(MAX_CHAT_TEXT / 2)); // exactly the limit in UTF-8 bytes
});

test("a peer sending invalid UTF-8 or an oversized message is refused; the link survives", async () => {
  const [a, b] = await twoNodes();
  const warnings: WalkieError[] = [];
  b.on("warning", (err: WalkieError) => warnings.push(err));
  void b.chat;
  const { ab } = await linkNodes(a, b);
  // [0, id, at, text] with the text's bytes broken.
  const body = Buffer.from(encodeCbor([0, "bad-utf8", 1, "ab"]));
  body[body.length - 2] = 0xc3;
  body[body.length - 1] = 0x28;
  const raw = ab.openStream(CHAT_SERVICE);
  raw.write(frameMessage(body));
  const err = await new Promise<unknown>((resolve) => raw.once("error", resolve));
  assert.equal((err as { remoteCode?: string }).remoteCode, "ERR_CHAT_INVALID");
  const huge = ab.openStream(CHAT_SERVICE);
  huge.write(frameMessage(encodeCbor([0, "big", 1, "x".repeat(MAX_CHAT_TEXT + 1)])));
  const tooLarge = await new Promise<unknown>((resolve) => huge.once("error", resolve));
  assert.equal((tooLarge as { remoteCode?: string }).remoteCode, "ERR_CHAT_TOO_LARGE");
  assert.deepEqual(
    warnings.map((w) => w.code),
    ["ERR_CHAT_INVALID", "ERR_CHAT_TOO_LARGE"],
  );
  const incoming = nextEvent<ChatMessage>(b.chat, "message");
  await a.chat.send(b.id, "still fine");
  assert.equal((await incoming)[0]?.text, "still fine");
});

test("a peer that takes no chat: the message stays queued and a warning says why", async () => {
  const [a, b] = await twoNodes();
  const warned = new Promise<WalkieError>((resolve) => a.once("warning", resolve));
  await linkNodes(a, b); // b never touched b.chat: it serves no chat
  await a.chat.send(b.id, "anyone?");
  assert.equal((await warned).code, "ERR_CHAT_UNSUPPORTED");
  assert.equal((await a.chat.pending(b.id)).length, 1);
});
