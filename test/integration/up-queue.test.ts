// The send queue of `walkie up` between real processes (mDNS off): sends to
// an offline peer, one of them a browser upload, outlive a restart of the
// sending node and arrive intact once the peer is back; a file changed while
// the node was down fails its send clearly; a corrupt queue file is a
// warning and is moved aside, never a crash; a send cut off by a crash of
// the sending node goes on (resuming) after its restart.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeIdentity, type WalkieProcess, walkie } from "../helpers/cli.js";
import { eventually, type HttpAnswer, httpCall } from "../helpers/daemon.js";
import { tempDir } from "../helpers/temp.js";

process.env.WALKIE_DISCOVERY = "off";

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

interface Up {
  proc: WalkieProcess;
  call(method: string, path: string, body?: unknown, type?: string): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** Starts `walkie up` for `home` and calls its API with the token from its run file. */
async function up(home: string, extra: string[] = []): Promise<Up> {
  const proc = walkie(["up", "--host", "127.0.0.1", "--no-ui", "--json", ...extra], { home });
  await proc.waitForEvent("up");
  const run = JSON.parse(readFileSync(join(home, "node.json"), "utf8"));
  const port = Number(new URL(run.control).port);
  return {
    proc,
    call: (method, path, body, type) =>
      httpCall(port, method, path, body, {
        authorization: `Bearer ${run.token}`,
        ...(type ? { "content-type": type } : {}),
      }),
    stop: async () => {
      proc.kill("SIGINT");
      await proc.expectExit(0);
    },
  };
}

async function transfers(node: Up): Promise<Array<Record<string, unknown>>> {
  const answer = await node.call("GET", "/api/transfers");
  assert.equal(answer.status, 200, answer.text);
  return answer.json.transfers;
}

const stateOf = async (node: Up, id: string) =>
  (await transfers(node)).find((t) => t.id === id)?.state;

async function pairNodes(a: Up, aHome: string, bHome: string): Promise<void> {
  const waiting = walkie(["pair", "--json"], { home: aHome });
  const code = await waiting.waitForEvent("code");
  const join_ = walkie(["pair", String(code.code), "--from", `127.0.0.1:${code.port}`], {
    home: bHome,
  });
  join_.child.stdin.end();
  await Promise.all([join_.expectExit(0), waiting.expectExit(0)]);
  await eventually(
    "a linked with b",
    async () => (await a.call("GET", "/api/status")).json.totals.links === 1,
  );
}

/** alice and bob, each running `walkie up` (bob with an inbox), paired; bob takes alice's sends unasked. */
async function pairedNodes() {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const inbox = tempDir("walkie-inbox-");
  const a = await up(alice.home);
  const b = await up(bob.home, ["--inbox", inbox]);
  await pairNodes(a, alice.home, bob.home);
  const auto = await b.call("POST", `/api/peers/${alice.id}/settings`, { autoAccept: true });
  return { alice, bob, inbox, a, b, auto };
}

test("sends queued for an offline peer outlive a restart of walkie up and arrive intact; a file changed meanwhile fails its send", async () => {
  const nodes = await pairedNodes();
  const { alice, bob, inbox, auto } = nodes;
  let { a, b } = nodes;
  assert.equal(auto.status, 200, auto.text);
  await b.stop();
  await eventually(
    "bob offline",
    async () => (await a.call("GET", "/api/status")).json.totals.links === 0,
  );

  // Three sends wait for bob: a file, a file that will change, and a browser upload.
  const dir = tempDir();
  const movie = randomBytes(6 * 1024 * 1024 + 11);
  writeFileSync(join(dir, "movie.bin"), movie);
  writeFileSync(join(dir, "notes.txt"), "first draft\n");
  const send = async (name: string) => {
    const answer = await a.call("POST", "/api/transfers", {
      peer: bob.name,
      paths: [join(dir, name)],
    });
    assert.equal(answer.status, 200, answer.text);
    return answer.json.id as string;
  };
  const movieId = await send("movie.bin");
  const notesId = await send("notes.txt");
  const photo = Buffer.from(randomBytes(96 * 1024).toString("hex"));
  const created = await a.call("POST", "/api/uploads", {
    peer: bob.name,
    files: [{ path: "album/photo.txt", size: photo.length }],
  });
  assert.equal(created.status, 200, created.text);
  const uploadId = created.json.id as string;
  const put = await a.call(
    "PUT",
    `/api/uploads/${uploadId}/0`,
    photo.toString(),
    "application/octet-stream",
  );
  assert.equal(put.status, 200, put.text);
  assert.equal((await a.call("POST", `/api/uploads/${uploadId}/commit`, {})).status, 200);
  for (const id of [movieId, notesId, uploadId]) {
    await eventually(`${id} waiting`, async () => (await stateOf(a, id)) === "waiting");
  }

  await a.stop();
  const queueFile = join(alice.home, "send-queue.json");
  if (process.platform !== "win32") assert.equal(statSync(queueFile).mode & 0o777, 0o600);
  const kept = JSON.parse(readFileSync(queueFile, "utf8"));
  assert.deepEqual(
    kept.sends.map((s: { id: string }) => s.id).sort(),
    [movieId, notesId, uploadId].sort(),
  );
  assert.ok(
    existsSync(join(alice.home, "outbox", uploadId, "album", "photo.txt")),
    "the upload's files stay",
  );
  writeFileSync(join(dir, "notes.txt"), "second draft, longer\n");

  // Alice's node comes back: the same sends, waiting, in the API and in walkie status.
  a = await up(alice.home);
  const restored = await transfers(a);
  for (const id of [movieId, notesId, uploadId]) {
    const view = restored.find((t) => t.id === id);
    assert.equal(view?.state, "waiting", JSON.stringify(restored));
    assert.equal(view?.direction, "out");
  }
  assert.deepEqual(restored.find((t) => t.id === movieId)?.names, ["movie.bin"]);
  const status = walkie(["status", "--json"], { home: alice.home });
  status.child.stdin.end();
  await status.expectExit(0);
  const report = JSON.parse((await status.stdout).data!.toString("utf8"));
  assert.equal(report.transfers.filter((t: { state: string }) => t.state === "waiting").length, 3);
  assert.ok(
    a.proc.events.some(
      (e) => e.event === "log" && /3 sends from the last run wait for/.test(String(e.message)),
    ),
  );

  // Bob comes back (on the port he had): the sends go.
  b = await up(bob.home, ["--inbox", inbox]);
  await eventually("movie sent", async () => (await stateOf(a, movieId)) === "done", 60_000);
  await eventually("upload sent", async () => (await stateOf(a, uploadId)) === "done", 60_000);
  const notes = await eventually("notes failed", async () => {
    const view = (await transfers(a)).find((t) => t.id === notesId);
    return view?.state === "failed" ? view : undefined;
  });
  assert.equal((notes.error as { code: string }).code, "ERR_SOURCE_CHANGED");
  assert.match((notes.error as { message: string }).message, /notes\.txt/);
  assert.equal(sha(readFileSync(join(inbox, "movie.bin"))), sha(movie));
  assert.equal(sha(readFileSync(join(inbox, "album", "photo.txt"))), sha(photo));
  assert.equal(existsSync(join(inbox, "notes.txt")), false);

  // Over, they leave the queue, and the upload's staging files go.
  await eventually(
    "queue empty",
    () => JSON.parse(readFileSync(queueFile, "utf8")).sends.length === 0,
  );
  await eventually("staging removed", () => !existsSync(join(alice.home, "outbox", uploadId)));
  await Promise.all([a.stop(), b.stop()]);
});

test("a corrupt send queue is a warning and is moved aside; walkie up runs on", async () => {
  const me = await makeIdentity();
  const queueFile = join(me.home, "send-queue.json");
  writeFileSync(queueFile, '{"version":1,"sends":[{"id":"01');
  const node = await up(me.home);
  const warning = await node.proc.waitForEvent("log", (e) => e.code === "ERR_SEND_QUEUE_CORRUPT");
  assert.equal(warning.level, "warn");
  assert.match(String(warning.message), /moved to .*send-queue\.json\.corrupt-\d+/);
  const aside = readdirSync(me.home).filter((name) => name.startsWith("send-queue.json.corrupt-"));
  assert.equal(aside.length, 1);
  assert.equal(readFileSync(join(me.home, aside[0]!), "utf8"), '{"version":1,"sends":[{"id":"01');
  assert.equal(existsSync(queueFile), false);
  assert.equal((await node.call("GET", "/api/status")).status, 200, "the node runs");
  assert.deepEqual(await transfers(node), []);
  await node.stop();
});

test("a send cut off when the sending node is killed goes on after its restart", async () => {
  const nodes = await pairedNodes();
  const { alice, bob, inbox, b } = nodes;
  let { a } = nodes;
  const dir = tempDir();
  const data = randomBytes(256 * 1024 * 1024);
  writeFileSync(join(dir, "disk.img"), data);
  const sent = await a.call("POST", "/api/transfers", {
    peer: bob.name,
    paths: [join(dir, "disk.img")],
  });
  assert.equal(sent.status, 200, sent.text);
  const id = sent.json.id as string;
  await eventually("bytes moving", async () =>
    (await transfers(a)).find((t) => t.id === id && Number(t.doneBytes) > 4 * 1024 * 1024),
  );
  a.proc.kill("SIGKILL"); // no clean shutdown: what is on disk must do
  await a.proc.waitForExit();
  const kept = JSON.parse(readFileSync(join(alice.home, "send-queue.json"), "utf8"));
  assert.deepEqual(
    kept.sends.map((s: { id: string }) => s.id),
    [id],
  );

  a = await up(alice.home);
  await eventually("sent after the restart", async () => (await stateOf(a, id)) === "done", 90_000);
  const received = await eventually("received", async () =>
    (await transfers(b)).find((t) => t.state === "done"),
  );
  assert.deepEqual(received.names, ["disk.img"]);
  assert.equal(sha(readFileSync(join(inbox, "disk.img"))), sha(data));
  await Promise.all([a.stop(), b.stop()]);
});
