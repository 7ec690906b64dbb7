// `walkie send` / `walkie receive` end to end: real processes on 127.0.0.1,
// one-time codes with --from, folders with modes, times and empty folders,
// a text, stdin, name clashes, a declined offer, links, and sending to a
// listening receiver by device ID. Asserts exit codes, events and the files
// on disk, never timings.
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeIdentity, walkie } from "../helpers/cli.js";
import { describeTree, startReceive, startSend } from "../helpers/files.js";
import { tempDir } from "../helpers/temp.js";

// mDNS off: nothing leaves loopback (the LAN test below turns it on for itself).
process.env.WALKIE_DISCOVERY = "off";

const alice = await makeIdentity();
const bob = await makeIdentity();

/** A folder with nested files, an empty folder, modes and times. */
function makeFolder(): { src: string; dir: string } {
  const src = tempDir("walkie-files-src-");
  const dir = join(src, "album");
  mkdirSync(join(dir, "2024/summer"), { recursive: true });
  mkdirSync(join(dir, "empty"));
  writeFileSync(join(dir, "readme.txt"), "hello\n");
  writeFileSync(join(dir, "2024/summer/beach.jpg"), Buffer.alloc(3 * 1024 * 1024 + 17, 0x42));
  writeFileSync(join(dir, "2024/notes.md"), "# notes\n");
  writeFileSync(join(dir, "2024/run.sh"), "#!/bin/sh\necho hi\n");
  chmodSync(join(dir, "2024/run.sh"), 0o750);
  chmodSync(join(dir, "2024/notes.md"), 0o600);
  const old = new Date("2021-03-04T05:06:07.123Z");
  utimesSync(join(dir, "readme.txt"), old, old);
  utimesSync(join(dir, "2024/summer"), old, old);
  return { src, dir };
}

test("a folder arrives whole: content, modes, mtimes, empty folders, sha256 in events", async () => {
  const { dir } = makeFolder();
  const out = tempDir("walkie-files-out-");
  const send = await startSend(alice, [dir]);
  const receive = startReceive(bob, send.code, send.port, ["--out", out, "--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  assert.deepEqual(describeTree(join(out, "album")), describeTree(dir));
  const offer = receive.events.find((e) => e.event === "offer");
  assert.equal(offer?.files, 4);
  assert.deepEqual((offer?.from as { id: string } | undefined)?.id, alice.id);
  const done = receive.events.filter((e) => e.event === "file-done");
  assert.equal(done.length, 4);
  assert.ok(done.every((e) => typeof e.sha256 === "string" && (e.sha256 as string).length === 64));
  const sentDone = send.proc.events.find((e) => e.event === "done");
  assert.equal(sentDone?.files, 4);
  assert.equal(sentDone?.bytes, 3 * 1024 * 1024 + 17 + 6 + 8 + 18);
  assert.deepEqual(readdirSync(out), ["album"]); // no .part, no journal left
  // A one-time code trusts the other side for this transfer only: nobody is stored as paired.
  for (const home of [alice.home, bob.home]) {
    const peers = join(home, "peers.json");
    assert.ok(
      !existsSync(peers) ||
        !readFileSync(peers, "utf8").includes(home === alice.home ? bob.id : alice.id),
    );
  }
});

test("a text is shown on the receiver's stdout", async () => {
  const send = await startSend(alice, ["--text", "the wifi password is hunter2"]);
  const receive = startReceive(bob, send.code, send.port, ["--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  assert.equal((await receive.stdout).data?.toString(), "the wifi password is hunter2\n");
});

test("stdin is sent as a file named with --name", async () => {
  const out = tempDir("walkie-files-out-");
  const send = await startSend(alice, ["-", "--name", "log.txt"]);
  const feeding = send.proc.feed(Buffer.from("line 1\nline 2\n"));
  const receive = startReceive(bob, send.code, send.port, ["--out", out, "--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0), feeding]);
  assert.equal(readFileSync(join(out, "log.txt"), "utf8"), "line 1\nline 2\n");
});

test("a name clash gets 'name (1).ext'; --overwrite replaces", async () => {
  const src = tempDir("walkie-files-src-");
  writeFileSync(join(src, "report.pdf"), "new");
  const out = tempDir("walkie-files-out-");
  writeFileSync(join(out, "report.pdf"), "old");
  let send = await startSend(alice, [join(src, "report.pdf")]);
  let receive = startReceive(bob, send.code, send.port, ["--out", out, "--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  assert.equal(readFileSync(join(out, "report.pdf"), "utf8"), "old");
  assert.equal(readFileSync(join(out, "report (1).pdf"), "utf8"), "new");
  send = await startSend(alice, [join(src, "report.pdf")]);
  receive = startReceive(bob, send.code, send.port, ["--out", out, "--yes", "--overwrite"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  assert.equal(readFileSync(join(out, "report.pdf"), "utf8"), "new");
});

test("a declined offer writes nothing; both sides exit 1 with ERR_DECLINED", async () => {
  const { dir } = makeFolder();
  const out = tempDir("walkie-files-out-");
  const send = await startSend(alice, [dir]);
  const receive = startReceive(bob, send.code, send.port, ["--out", out]);
  await receive.waitForEvent("offer");
  receive.child.stdin.end("n\n");
  await Promise.all([send.proc.expectExit(1), receive.expectExit(1)]);
  assert.equal(send.proc.errorCode(), "ERR_DECLINED");
  assert.equal(receive.errorCode(), "ERR_DECLINED");
  assert.deepEqual(readdirSync(out), []);
});

test("symbolic links are skipped with a warning, or sent with --links", async () => {
  const src = tempDir("walkie-files-src-");
  mkdirSync(join(src, "proj"));
  writeFileSync(join(src, "proj/target.txt"), "t");
  symlinkSync("target.txt", join(src, "proj/inside"));
  symlinkSync("/etc/hostname", join(src, "proj/outside"));
  const out1 = tempDir("walkie-files-out-");
  let send = await startSend(alice, [join(src, "proj")]);
  let receive = startReceive(bob, send.code, send.port, ["--out", out1, "--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  assert.deepEqual(readdirSync(join(out1, "proj")), ["target.txt"]);
  assert.ok(
    send.proc.events.some((e) => e.event === "warning" && /inside/.test(String(e.message))),
  );
  const out2 = tempDir("walkie-files-out-");
  send = await startSend(alice, [join(src, "proj"), "--links"]);
  receive = startReceive(bob, send.code, send.port, ["--out", out2, "--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  assert.deepEqual(describeTree(join(out2, "proj")), {
    inside: "link -> target.txt",
    "target.txt": describeTree(join(src, "proj"))["target.txt"]!,
  });
  assert.ok(
    send.proc.events.some((e) => e.event === "warning" && /outside/.test(String(e.message))),
  );
});

test("send --to HOST:PORT --peer reaches a receiver listening for that device", async () => {
  const { dir } = makeFolder();
  const out = tempDir("walkie-files-out-");
  const receive = walkie(
    [
      "receive",
      "--listen",
      "--host",
      "127.0.0.1",
      "--allow",
      alice.id,
      "--out",
      out,
      "--yes",
      "--json",
    ],
    { home: bob.home },
  );
  const listening = await receive.waitForEvent("listening");
  const send = walkie(
    ["send", dir, "--to", `127.0.0.1:${listening.port}`, "--peer", bob.id, "--json"],
    {
      home: alice.home,
    },
  );
  await Promise.all([send.expectExit(0), receive.expectExit(0)]);
  assert.deepEqual(describeTree(join(out, "album")), describeTree(dir));
});

test("usage errors exit 2 before anything is sent", async () => {
  for (const args of [
    ["send"],
    ["send", "--text", "x", "file"],
    ["receive"],
    ["receive", "1-a-b", "--listen"],
  ]) {
    const proc = walkie(args, { home: alice.home });
    proc.child.stdin.end();
    await proc.expectExit(2);
  }
  const missing = walkie(["send", "/no/such/file", "--json"], { home: alice.home });
  await missing.expectExit(1);
  assert.equal(missing.errorCode(), "ERR_SOURCE_UNREADABLE");
  assert.ok(!existsSync("/no/such/file"));
});

test("without --from the receiver finds the sender on the LAN by the code's nameplate", async (t) => {
  const src = tempDir("walkie-files-src-");
  writeFileSync(join(src, "note.txt"), "found you");
  const out = tempDir("walkie-files-out-");
  const lan = { WALKIE_DISCOVERY: "on" };
  const send = walkie(["send", join(src, "note.txt"), "--json"], { home: alice.home, env: lan });
  const { code } = await send.waitForEvent("code");
  const receive = walkie(["receive", String(code), "--out", out, "--yes", "--json"], {
    home: bob.home,
    env: lan,
  });
  const status = await receive.waitForExit();
  if (status.code !== 0 && receive.errorCode() === "ERR_DISCOVERY_TIMEOUT") {
    send.kill("SIGKILL");
    return t.skip("mDNS does not work on this machine's interfaces");
  }
  assert.equal(status.code, 0, receive.stderr);
  await send.expectExit(0);
  assert.equal(readFileSync(join(out, "note.txt"), "utf8"), "found you");
});

test("a send code typed into `walkie pair` is refused (ERR_CODE_PURPOSE), stores nothing and still works for receive", async () => {
  const file = join(tempDir("walkie-src-"), "note.txt");
  writeFileSync(file, "for your eyes\n");
  const send = await startSend(alice, [file]);
  const pairing = walkie(["pair", send.code, "--from", `127.0.0.1:${send.port}`, "--json"], {
    home: bob.home,
  });
  await pairing.expectExit(1);
  assert.equal(pairing.errorCode(), "ERR_CODE_PURPOSE");
  assert.ok(!existsSync(join(bob.home, "peers.json")), "nothing was paired");
  const out = tempDir("walkie-out-");
  const receive = startReceive(bob, send.code, send.port, ["--out", out, "--yes"]);
  await Promise.all([send.proc.expectExit(0), receive.expectExit(0)]);
  assert.equal(readFileSync(join(out, "note.txt"), "utf8"), "for your eyes\n");
});
