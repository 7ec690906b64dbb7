// Broken transfers between real processes, and their resumption: the
// sender killed (SIGKILL) halfway, the receiver killed halfway, a source
// changed in between (its file starts over), a link that stalls. The
// transfer is cut at a known point by a proxy that stops forwarding after
// half the bytes. Each failure ends with one clear error and exit code 1,
// leaves a resumable .part and never a file that looks complete; running
// the same send and receive again finishes the job without resending what
// had arrived.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeIdentity, type WalkieProcess } from "../helpers/cli.js";
import { startReceive, startSend, startValveProxy } from "../helpers/files.js";
import { tempDir } from "../helpers/temp.js";

// mDNS off: nothing leaves loopback (the LAN test below turns it on for itself).
process.env.WALKIE_DISCOVERY = "off";

const alice = await makeIdentity();
const bob = await makeIdentity();
const SIZE = 48 * 1024 * 1024;

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function sourceFile(): string {
  const path = join(tempDir("walkie-resume-src-"), "big.bin");
  writeFileSync(path, randomBytes(SIZE));
  return path;
}

/** Starts a transfer through a proxy that stops forwarding after half of it. */
async function halfway(src: string, out: string, extra: string[] = []) {
  const send = await startSend(alice, [src, ...extra]);
  const valve = await startValveProxy(send.port);
  const receive = startReceive(bob, send.code, valve.port, ["--out", out, "--yes", ...extra]);
  await valve.closeAfter(SIZE / 2);
  return { send: send.proc, receive, valve };
}

/** Waits until the receiver's .part holds at least `bytes` (it writes what came before the cut). */
async function partHolds(path: string, bytes: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const size = existsSync(path) ? statSync(path).size : 0;
    if (size >= bytes) return size;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return existsSync(path) ? statSync(path).size : 0;
}

function assertOneLine(proc: WalkieProcess, codes: string[]): void {
  const code = proc.errorCode();
  assert.ok(code !== undefined && codes.includes(code), `${code} not in ${codes}\n${proc.stderr}`);
}

/** Runs the same send and receive again, straight; returns the receiver's `accepted` and `done` events. */
async function resume(src: string, out: string) {
  const send = await startSend(alice, [src]);
  const receive = startReceive(bob, send.code, send.port, ["--out", out, "--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  // The sender's view: it checked the receiver's prefixes against its files.
  const accepted = send.proc.events.find((e) => e.event === "accepted");
  const done = send.proc.events.find((e) => e.event === "done");
  assert.ok(accepted && done);
  return { resumedBytes: accepted.resumedBytes as number, carried: done.bytes as number };
}

test("a sender killed halfway (SIGKILL) leaves a .part; the same commands again finish it", async () => {
  const src = sourceFile();
  const out = tempDir("walkie-resume-out-");
  const { send, receive, valve } = await halfway(src, out);
  const held = await partHolds(join(out, "big.bin.part"), SIZE / 4);
  send.kill("SIGKILL");
  await receive.expectExit(1);
  assertOneLine(receive, ["ERR_PEER_VANISHED", "ERR_LINK_CLOSED"]);
  assert.match(receive.stderr, /run the same command again to resume/);
  await valve.close();
  assert.ok(!existsSync(join(out, "big.bin")), "no file that looks complete");
  assert.ok(held > 0);
  const { resumedBytes, carried } = await resume(src, out);
  assert.ok(
    resumedBytes >= held - 2 * 1024 * 1024 && resumedBytes > 0,
    `resumed ${resumedBytes}, held ${held}`,
  );
  assert.equal(carried, SIZE - resumedBytes, "nothing verified is sent again");
  assert.equal(sha256(join(out, "big.bin")), sha256(src));
  assert.deepEqual(readdirSync(out), ["big.bin"]);
});

test("a receiver killed halfway (SIGKILL) resumes from what it had written", async () => {
  const src = sourceFile();
  const out = tempDir("walkie-resume-out-");
  const { send, receive, valve } = await halfway(src, out);
  await partHolds(join(out, "big.bin.part"), SIZE / 4);
  receive.kill("SIGKILL");
  await send.expectExit(1);
  assertOneLine(send, ["ERR_PEER_VANISHED", "ERR_LINK_CLOSED"]);
  await valve.close();
  assert.ok(!existsSync(join(out, "big.bin")));
  const { resumedBytes, carried } = await resume(src, out);
  assert.ok(resumedBytes > 0);
  assert.equal(carried, SIZE - resumedBytes);
  assert.equal(sha256(join(out, "big.bin")), sha256(src));
});

test("a source changed since the break starts that file over", async () => {
  const src = sourceFile();
  const out = tempDir("walkie-resume-out-");
  const { send, receive, valve } = await halfway(src, out);
  await partHolds(join(out, "big.bin.part"), SIZE / 4);
  send.kill("SIGKILL");
  await receive.expectExit(1);
  await valve.close();
  const fd = openSync(src, "r+");
  writeSync(fd, Buffer.from("changed at the start"), 0, 20, 0);
  closeSync(fd);
  const { resumedBytes, carried } = await resume(src, out);
  assert.equal(resumedBytes, 0);
  assert.equal(carried, SIZE);
  assert.equal(sha256(join(out, "big.bin")), sha256(src));
});

test("a link that stalls ends both sides with ERR_TRANSFER_STALLED and keeps the .part", async () => {
  const src = sourceFile();
  const out = tempDir("walkie-resume-out-");
  const { send, receive, valve } = await halfway(src, out, ["--idle-timeout", "2"]);
  await Promise.all([send.expectExit(1), receive.expectExit(1)]);
  // The side whose idle timer fires first gives up and closes; the other may
  // see that close (through the proxy) before its own timer fires.
  const codes = ["ERR_TRANSFER_STALLED", "ERR_PEER_VANISHED"];
  assertOneLine(send, codes);
  assertOneLine(receive, codes);
  assert.ok(
    [send, receive].some((proc) => proc.errorCode() === "ERR_TRANSFER_STALLED"),
    "at least one side reports the stall",
  );
  await valve.close();
  assert.ok(existsSync(join(out, "big.bin.part")));
  assert.ok(!existsSync(join(out, "big.bin")));
});

test("a receiver stopped with Ctrl-C tells the sender (ERR_CANCELLED) and leaves no file", async () => {
  const send = await startSend(alice, ["-", "--name", "live.bin"]);
  send.proc.child.stdin.write(randomBytes(1024 * 1024)); // and more never comes: under way
  const out = tempDir("walkie-resume-out-");
  const receive = startReceive(bob, send.code, send.port, ["--out", out, "--yes"]);
  assert.ok((await partHolds(join(out, "live.bin.part"), 1)) > 0);
  receive.kill("SIGINT");
  await Promise.all([receive.expectExit(130), send.proc.expectExit(1)]);
  assert.equal(send.proc.errorCode(), "ERR_CANCELLED");
  assert.match(send.proc.stderr, /Ctrl-C/);
  // Data from stdin cannot be resumed: its .part goes too.
  assert.deepEqual(
    readdirSync(out).filter((name) => !name.startsWith(".walkie-")),
    [],
  );
});
