// `walkie up` and `walkie status` as real processes on loopback (mDNS off):
// the node starts and prints its UI address, status reports it, a second
// node with the same home fails clearly, Ctrl-C shuts down cleanly.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeIdentity, walkie } from "../helpers/cli.js";
import { httpCall } from "../helpers/daemon.js";
import { tempDir } from "../helpers/temp.js";

process.env.WALKIE_DISCOVERY = "off";

async function run(home: string, args: string[]) {
  const proc = walkie(args, { home });
  proc.child.stdin.end();
  const status = await proc.waitForExit();
  const out = await proc.stdout;
  return { status, stdout: out.data!.toString("utf8"), stderr: proc.stderr, proc };
}

/** Two `walkie up` nodes on loopback, paired through them with `walkie pair`. */
async function pairedRunningNodes(extra: { bobArgs?: string[] } = {}) {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const upA = walkie(["up", "--host", "127.0.0.1", "--json"], { home: alice.home });
  const upB = walkie(["up", "--host", "127.0.0.1", ...(extra.bobArgs ?? []), "--json"], {
    home: bob.home,
  });
  await Promise.all([upA.waitForEvent("up"), upB.waitForEvent("up")]);
  const waiting = walkie(["pair", "--json"], { home: alice.home });
  const code = await waiting.waitForEvent("code");
  const joined = await run(bob.home, [
    "pair",
    String(code.code),
    "--from",
    `127.0.0.1:${code.port}`,
  ]);
  assert.equal(joined.status.code, 0, joined.stderr);
  await waiting.expectExit(0);
  const stop = async () => {
    upA.kill("SIGINT");
    upB.kill("SIGINT");
    await Promise.all([upA.expectExit(0), upB.expectExit(0)]);
  };
  return { alice, bob, stop };
}

test("walkie up runs a node that status reports; a second up with the same home fails clearly", async () => {
  const me = await makeIdentity();
  const up = walkie(["up", "--host", "127.0.0.1", "--json"], { home: me.home });
  const event = await up.waitForEvent("up");
  assert.equal(event.id, me.id);
  assert.match(String(event.ui), /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/);
  assert.ok(typeof event.port === "number" && event.port > 0);

  const status = await run(me.home, ["status", "--json"]);
  assert.equal(status.status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout);
  assert.equal(report.running, true);
  assert.equal(report.node.id, me.id);
  assert.equal(report.node.port, event.port);
  assert.deepEqual(report.totals, { links: 0, streams: 0, rateIn: 0, rateOut: 0 });
  const text = await run(me.home, ["status"]);
  assert.match(text.stdout, new RegExp(`peers link to port ${event.port}`));

  const second = await run(me.home, ["up", "--host", "127.0.0.1"]);
  assert.equal(second.status.code, 1);
  assert.equal(second.proc.errorCode(), "ERR_ALREADY_RUNNING");
  assert.match(second.stderr, new RegExp(`control ${String(event.control).replace(/\./g, "\\.")}`));

  // The UI address serves the app; the token in it opens the API.
  const ui = new URL(String(event.ui));
  const page = await httpCall(Number(ui.port), "GET", "/");
  assert.equal(page.status, 200);
  assert.match(page.text, /<div id="root">/);
  assert.match(String(page.headers["content-security-policy"]), /default-src 'none'/);
  const token = ui.hash.replace("#token=", "");
  const api = await httpCall(Number(ui.port), "GET", "/api/status", undefined, {
    authorization: `Bearer ${token}`,
  });
  assert.equal(api.status, 200);

  up.kill("SIGINT");
  await up.expectExit(0);
  assert.equal(existsSync(join(me.home, "node.json")), false, "the run file is removed");
  assert.ok(up.events.some((e) => e.event === "log" && /shutting down/.test(String(e.message))));

  const after = await run(me.home, ["status", "--json"]);
  assert.equal(after.status.code, 1);
  assert.deepEqual(JSON.parse(after.stdout), { running: false });
  assert.equal(after.proc.errorCode(), "ERR_NOT_RUNNING");
});

test("walkie up --no-ui serves the control API but no pages", async () => {
  const me = await makeIdentity();
  const up = walkie(["up", "--host", "127.0.0.1", "--no-ui", "--ui-port", "0", "--json"], {
    home: me.home,
  });
  const event = await up.waitForEvent("up");
  assert.equal(event.ui, null);
  const control = new URL(String(event.control));
  const page = await httpCall(Number(control.port), "GET", "/");
  assert.equal(page.status, 404);
  const status = await run(me.home, ["status"]);
  assert.equal(status.status.code, 0, status.stderr);
  // Forwards for paired peers are the running node's job, not a second listener's.
  const serve = await run(me.home, ["forward", "--serve", "--allow-forward", "127.0.0.1:80"]);
  assert.equal(serve.status.code, 1);
  assert.equal(serve.proc.errorCode(), "ERR_NODE_RUNNING");
  assert.match(serve.stderr, /walkie up --allow-forward 127\.0\.0\.1:80/);
  up.kill("SIGTERM");
  await up.expectExit(0);
});

test("while nodes run, walkie pair and unpair go through them: the nodes link at once, and unlink", async () => {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const upA = walkie(["up", "--host", "127.0.0.1", "--json"], { home: alice.home });
  const upB = walkie(["up", "--host", "127.0.0.1", "--json"], { home: bob.home });
  await Promise.all([upA.waitForEvent("up"), upB.waitForEvent("up")]);

  const waiting = walkie(["pair", "--json"], { home: alice.home });
  const code = await waiting.waitForEvent("code");
  const port = Number(code.port);
  assert.ok(port > 0);
  const joined = await run(bob.home, ["pair", String(code.code), "--from", `127.0.0.1:${port}`]);
  assert.equal(joined.status.code, 0, joined.stderr);
  assert.match(joined.stdout, new RegExp(`Paired with ${alice.name}`));
  await waiting.expectExit(0);
  const paired = waiting.events.find((e) => e.event === "paired");
  assert.equal(paired?.id, bob.id);

  const linked = async (home: string) => {
    for (let i = 0; i < 100; i++) {
      const status = await run(home, ["status", "--json"]);
      const report = JSON.parse(status.stdout);
      if (report.totals.links === 1) return report;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no link in ${home}`);
  };
  const report = await linked(alice.home);
  assert.equal(report.links[0].peerId, bob.id);
  assert.equal(report.peers.paired[0].online, true);

  const unpaired = await run(alice.home, ["unpair", bob.name]);
  assert.equal(unpaired.status.code, 0, unpaired.stderr);
  const after = JSON.parse((await run(alice.home, ["status", "--json"])).stdout);
  assert.equal(after.peers.paired.length, 0);
  upA.kill("SIGINT");
  upB.kill("SIGINT");
  await Promise.all([upA.expectExit(0), upB.expectExit(0)]);
});

test("while nodes run, walkie send goes through them and walkie receive --listen says where files go", async () => {
  const inbox = tempDir("walkie-inbox-");
  const { alice, bob, stop } = await pairedRunningNodes({ bobArgs: ["--inbox", inbox] });
  // Bob's node takes alice's files without asking (the UI's setting, through its API).
  const runB = JSON.parse(readFileSync(join(bob.home, "node.json"), "utf8"));
  const port = Number(new URL(runB.control).port);
  const auth = { authorization: `Bearer ${runB.token}` };
  const set = await httpCall(
    port,
    "POST",
    `/api/peers/${alice.id}/settings`,
    { autoAccept: true },
    auth,
  );
  assert.equal(set.status, 200, set.text);

  const file = join(tempDir(), "report.txt");
  writeFileSync(file, "quarterly figures\n");
  let sent: Awaited<ReturnType<typeof run>> | undefined;
  for (let i = 0; i < 50; i++) {
    sent = await run(alice.home, ["send", "--to", bob.name, file, "--json"]);
    if (sent.status.code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the nodes may still be linking
  }
  assert.equal(sent?.status.code, 0, sent?.stderr);
  const offer = sent?.proc.events.find((e) => e.event === "offer");
  assert.ok(offer?.via, "sent through alice's node");
  assert.equal(readFileSync(join(inbox, "report.txt"), "utf8"), "quarterly figures\n");

  const receive = await run(bob.home, ["receive", "--listen"]);
  assert.equal(receive.status.code, 1);
  assert.equal(receive.proc.errorCode(), "ERR_NODE_RUNNING");
  assert.match(receive.stderr, new RegExp(inbox.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  await stop();
});

test("while nodes run, walkie chat goes through them: --send gets receipts, --history shows both sides", async () => {
  const { alice, bob, stop } = await pairedRunningNodes();

  const send = walkie(["chat", bob.name, "--send", "--json", "--wait", "20"], { home: alice.home });
  send.child.stdin.end("hello from the CLI\n");
  await send.expectExit(0);
  const sent = send.events.find((e) => e.event === "sent");
  assert.deepEqual([sent?.sent, sent?.delivered], [1, 1]);
  assert.ok(
    send.events.some((e) => e.event === "via"),
    "went through alice's node",
  );
  const history = await run(bob.home, ["chat", alice.name, "--history", "--json"]);
  assert.equal(history.status.code, 0, history.stderr);
  const lines = history.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(lines.at(-1).text, "hello from the CLI");
  await stop();
});

test("while nodes run, walkie pipe --listen and --to go through them, both ways", async () => {
  const { alice, bob, stop } = await pairedRunningNodes();

  const listening = walkie(["pipe", "--listen", "--json"], { home: bob.home });
  listening.feed(Buffer.from("from bob\n"));
  const waits = await listening.waitForEvent("listening");
  assert.ok(waits.via, "bob waits through his node, on no port of its own");
  let dialer: ReturnType<typeof walkie> | undefined;
  for (let i = 0; i < 50; i++) {
    dialer = walkie(["pipe", "--to", bob.name, "--json"], { home: alice.home });
    dialer.feed(Buffer.from("from alice\n"));
    if ((await dialer.waitForExit()).code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the nodes may still be linking
  }
  await listening.expectExit(0);
  assert.equal(dialer?.stdoutText, "from bob\n", dialer?.stderr);
  assert.equal(listening.stdoutText, "from alice\n");
  assert.ok((await dialer!.waitForEvent("connected")).via, "alice's pipe went through her node");
  assert.equal((await listening.waitForEvent("connected")).peer, alice.id);
  await stop();
});
