// walkie chat between real processes on 127.0.0.1 (and over a virtual
// serial cable): the offline queue, receipts, NDJSON both ways, history
// that survives restarts, and bad input.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import {
  type CliEvent,
  type CliIdentity,
  makeIdentity,
  type WalkieProcess,
  walkie,
} from "../helpers/cli.js";
import { HAVE_SOCAT, ptyPair } from "../helpers/socat.js";

/** A port where nothing listens (taken, then closed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** NDJSON lines a child printed on stdout so far. */
function stdoutEvents(proc: WalkieProcess): CliEvent[] {
  return proc.stdoutText
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as CliEvent);
}

async function waitForStdout(proc: WalkieProcess, check: (events: CliEvent[]) => boolean) {
  while (!check(stdoutEvents(proc))) {
    if (
      (await Promise.race([proc.exited, new Promise((r) => setTimeout(() => r("wait"), 20))])) !==
      "wait"
    ) {
      assert.fail(`exited early; stderr:\n${proc.stderr}`);
    }
  }
}

function chat(me: CliIdentity, peer: CliIdentity, args: string[]): WalkieProcess {
  return walkie(["chat", peer.id, ...args], { home: me.home, env: { WALKIE_DISCOVERY: "off" } });
}

/** `walkie chat PEER --json` listening on a free port; its stdin stays open. */
async function listeningChat(me: CliIdentity, peer: CliIdentity) {
  const proc = chat(me, peer, ["--json"]);
  const { port } = await proc.waitForEvent("listening");
  return { proc, port: port as number };
}

test("walkie chat: messages written offline are queued, then delivered in order, once, with receipts", async () => {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const dead = await deadPort();
  // Bob is offline: alice's message waits on disk.
  const early = chat(alice, bob, [
    "--send",
    "--to",
    `127.0.0.1:${dead}`,
    "--no-tcp-listen",
    "--wait",
    "0.2",
    "--json",
  ]);
  early.feed(Buffer.from("written while you were away\n"));
  await early.expectExit(0);
  assert.equal((await early.waitForEvent("queued")).pending, 1);

  const bobChat = await listeningChat(bob, alice);
  const later = chat(alice, bob, [
    "--send",
    "--to",
    `127.0.0.1:${bobChat.port}`,
    "--no-tcp-listen",
    "--json",
  ]);
  later.feed(Buffer.from("one\ntwo\n"));
  await later.expectExit(0);
  const sent = await later.waitForEvent("sent");
  assert.deepEqual([sent.sent, sent.delivered], [2, 2]);
  await waitForStdout(
    bobChat.proc,
    (events) => events.filter((e) => e.event === "message").length === 3,
  );
  const texts = stdoutEvents(bobChat.proc)
    .filter((e) => e.event === "message")
    .map((e) => e.text);
  assert.deepEqual(texts, ["written while you were away", "one", "two"]);

  // Alice writes again: bob's chat is still running, and gets it once.
  const third = chat(alice, bob, [
    "--send",
    "--to",
    `127.0.0.1:${bobChat.port}`,
    "--no-tcp-listen",
  ]);
  third.feed(Buffer.from("three\n"));
  await third.expectExit(0);
  await waitForStdout(
    bobChat.proc,
    (events) => events.filter((e) => e.event === "message").length === 4,
  );
  bobChat.proc.child.stdin.end();
  await bobChat.proc.expectExit(0);

  // History survives the processes, on both sides, each message once.
  const history = chat(bob, alice, ["--history", "10", "--json"]);
  await history.expectExit(0);
  const lines = stdoutEvents(history);
  assert.deepEqual(
    lines.map((e) => [e.direction, e.text]),
    [
      ["in", "written while you were away"],
      ["in", "one"],
      ["in", "two"],
      ["in", "three"],
    ],
  );
  const mine = chat(alice, bob, ["--history", "--json"]);
  await mine.expectExit(0);
  assert.ok(
    stdoutEvents(mine).every((e) => e.direction === "out" && typeof e.deliveredAt === "number"),
  );
});

test("walkie chat --json: NDJSON in and out, both ways", async () => {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const bobChat = await listeningChat(bob, alice);
  const aliceChat = chat(alice, bob, [
    "--json",
    "--to",
    `127.0.0.1:${bobChat.port}`,
    "--no-tcp-listen",
  ]);
  await aliceChat.waitForEvent("connected");
  aliceChat.child.stdin.write(`${JSON.stringify({ text: "ping ✓" })}\n`);
  await waitForStdout(bobChat.proc, (events) => events.some((e) => e.event === "message"));
  bobChat.proc.child.stdin.write(`${JSON.stringify({ text: "pong" })}\n`);
  await waitForStdout(aliceChat, (events) =>
    events.some((e) => e.event === "message" && e.text === "pong"),
  );
  await waitForStdout(aliceChat, (events) =>
    events.some((e) => e.event === "receipt" && e.text === "ping ✓"),
  );
  const got = stdoutEvents(bobChat.proc).find((e) => e.event === "message")!;
  assert.equal(got.text, "ping ✓");
  assert.equal(got.peer, alice.id);
  assert.equal(typeof got.id, "string");
  assert.equal(typeof got.at, "number");
  aliceChat.child.stdin.end();
  bobChat.proc.child.stdin.end();
  await Promise.all([aliceChat.expectExit(0), bobChat.proc.expectExit(0)]);
});

test("walkie chat --send: an over-long line and invalid UTF-8 are clear errors; the rest is sent", async () => {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const bobChat = await listeningChat(bob, alice);
  const proc = chat(alice, bob, [
    "--send",
    "--to",
    `127.0.0.1:${bobChat.port}`,
    "--no-tcp-listen",
    "--json",
  ]);
  proc.feed(
    Buffer.concat([
      Buffer.from("before\n"),
      Buffer.from(`${"x".repeat(9000)}\n`),
      Buffer.from([0x62, 0x61, 0x64, 0xc3, 0x28, 0x0a]),
      Buffer.from("after\n"),
    ]),
  );
  await proc.expectExit(1);
  const errors = proc.events.filter((e) => e.event === "error").map((e) => e.code);
  assert.deepEqual(errors, ["ERR_CHAT_TOO_LARGE", "ERR_CHAT_INVALID_TEXT"]);
  assert.equal((await proc.waitForEvent("sent")).delivered, 2);
  await waitForStdout(
    bobChat.proc,
    (events) => events.filter((e) => e.event === "message").length === 2,
  );
  bobChat.proc.child.stdin.end();
  await bobChat.proc.expectExit(0);
});

test("walkie chat over a serial cable", {
  skip: HAVE_SOCAT ? false : "socat is not installed",
}, async () => {
  const [one, two] = await ptyPair();
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const bobChat = chat(bob, alice, ["--json", "--serial", two, "--listen"]);
  const aliceChat = chat(alice, bob, ["--send", "--serial", one, "--json"]);
  aliceChat.feed(Buffer.from("over the wire\n"));
  await aliceChat.expectExit(0);
  assert.equal((await aliceChat.waitForEvent("sent")).delivered, 1);
  await waitForStdout(bobChat, (events) => events.some((e) => e.text === "over the wire"));
  bobChat.kill("SIGINT");
  await bobChat.waitForExit();
});
