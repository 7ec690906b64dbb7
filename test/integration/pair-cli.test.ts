// `walkie pair`, `peers`, `unpair` and `pipe --to NAME` end to end, as real
// processes on loopback. mDNS is off (WALKIE_DISCOVERY=off) so nothing leaves
// this machine; pair-netns.test.ts covers discovery.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CliIdentity, makeIdentity, type WalkieProcess, walkie } from "../helpers/cli.js";

process.env.WALKIE_DISCOVERY = "off";

const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
/** The port alice paired on; bob stored it as her last-seen address. */
let alicePort = 0;

async function run(identity: CliIdentity, args: string[]): Promise<WalkieProcess> {
  const proc = walkie(args, { home: identity.home });
  proc.child.stdin.end();
  await proc.waitForExit();
  return proc;
}

async function peersOf(identity: CliIdentity) {
  const proc = await run(identity, ["peers", "--json", "--wait", "0"]);
  assert.equal(proc.child.exitCode, 0, proc.stderr);
  const out = JSON.parse((await proc.stdout).data!.toString()) as {
    paired: { id: string; name: string; addresses: string[]; lastSeenAt: string | null }[];
    lan: unknown[];
  };
  return out;
}

/** Starts `walkie pair` waiting on 127.0.0.1; resolves with it and its code event. */
async function waitWithCode(identity: CliIdentity, extra: string[] = []) {
  const waiter = walkie(["pair", "--host", "127.0.0.1", "--json", ...extra], {
    home: identity.home,
  });
  waiter.child.stdin.end();
  const event = await waiter.waitForEvent("code");
  assert.match(String(event.code), /^\d{1,3}-[a-z]+-[a-z]+$/);
  return { waiter, code: String(event.code), port: Number(event.port) };
}

/** The other two-word code with the same nameplate: valid words, wrong code. */
function wrongCode(code: string): string {
  const [nameplate, first, second] = code.split("-");
  return first === second ? `${nameplate}-${first}-amber` : `${nameplate}-${second}-${first}`;
}

test("two homes pair by code over loopback with --from and print each other", async () => {
  const { waiter, code, port } = await waitWithCode(alice, ["--name", "alice"]);
  alicePort = port;
  const joiner = walkie(["pair", code, "--from", `127.0.0.1:${port}`, "--name", "bob", "--json"], {
    home: bob.home,
  });
  joiner.child.stdin.end();
  const [waited, joined] = await Promise.all([
    waiter.waitForEvent("paired"),
    joiner.waitForEvent("paired"),
  ]);
  assert.equal(waited.id, bob.id);
  assert.equal(waited.name, "bob");
  assert.equal(joined.id, alice.id);
  assert.equal(joined.name, "alice");
  assert.match(String(joined.sas), /^\d{6}$/);
  assert.equal(waited.sas, joined.sas);
  await Promise.all([waiter.expectExit(0), joiner.expectExit(0)]);
});

test("walkie peers lists each other, with the address bob reached alice at", async () => {
  const [ofAlice, ofBob] = await Promise.all([peersOf(alice), peersOf(bob)]);
  assert.deepEqual(
    ofAlice.paired.map((p) => [p.id, p.name]),
    [[bob.id, "bob"]],
  );
  assert.deepEqual(
    ofBob.paired.map((p) => [p.id, p.name]),
    [[alice.id, "alice"]],
  );
  assert.deepEqual(ofBob.paired[0]!.addresses, [`127.0.0.1:${alicePort}`]);
  const human = await run(bob, ["peers", "--wait", "0"]);
  const text = (await human.stdout).data!.toString();
  assert.match(text, /Paired \(1\):\n {2}alice {2}[A-Z2-7-]{39} {2}last seen /);
});

test("then walkie pipe --to <name> works with no code and no address", async () => {
  // Alice listens without --allow (any paired peer) where bob last reached her.
  const listener = walkie(
    ["pipe", "--listen", "--host", "127.0.0.1", "--port", String(alicePort), "--json"],
    { home: alice.home },
  );
  await listener.waitForEvent("listening");
  const dialer = walkie(["pipe", "--to", "alice", "--json"], { home: bob.home });
  const fed = Promise.all([
    dialer.feed(Buffer.from("hello from bob\n")),
    listener.feed(Buffer.from("hello from alice\n")),
  ]);
  await Promise.all([dialer.expectExit(0), listener.expectExit(0), fed]);
  assert.equal((await listener.stdout).data!.toString(), "hello from bob\n");
  assert.equal((await dialer.stdout).data!.toString(), "hello from alice\n");
  const connected = await listener.waitForEvent("connected");
  assert.equal(connected.peer, bob.id);
});

test("a wrong code fails on both sides with ERR_BAD_CODE and one clear line", async () => {
  const carol = await makeIdentity();
  const { waiter, code, port } = await waitWithCode(carol);
  const joiner = walkie(["pair", wrongCode(code), "--from", `127.0.0.1:${port}`], {
    home: bob.home,
  });
  joiner.child.stdin.end();
  await Promise.all([waiter.expectExit(1), joiner.expectExit(1)]);
  assert.equal(waiter.errorCode(), "ERR_BAD_CODE");
  assert.equal(joiner.errorCode(), "ERR_BAD_CODE");
  assert.match(joiner.stderr, /^walkie: wrong code: .*\(ERR_BAD_CODE\)\n$/m);
  assert.equal((await peersOf(carol)).paired.length, 0);
  // A code that is not even well-formed never touches the network.
  const typo = await run(bob, ["pair", "7-amber-rockte", "--from", "127.0.0.1:1"]);
  assert.equal(typo.errorCode(), "ERR_BAD_CODE");
  assert.match(typo.stderr, /not a valid code: word 2 is not in the word list/);
});

test("a device presenting another key under a paired name is refused loudly", async () => {
  // An impostor named "alice" answers where bob last reached alice.
  const fakeAlice = await makeIdentity();
  assert.equal((await run(fakeAlice, ["id", "--set-name", "alice"])).child.exitCode, 0);
  const trap = walkie(
    ["pipe", "--listen", "--host", "127.0.0.1", "--port", String(alicePort)].concat([
      "--allow",
      bob.id,
      "--json",
    ]),
    { home: fakeAlice.home },
  );
  trap.child.stdin.end();
  await trap.waitForEvent("listening");
  const dialer = await run(bob, ["pipe", "--to", "alice"]);
  assert.equal(dialer.child.exitCode, 1);
  assert.equal(dialer.errorCode(), "ERR_PEER_KEY_CHANGED");
  assert.match(dialer.stderr, /WARNING: .*impostor/);
  trap.kill("SIGTERM");
  await trap.waitForExit();

  // An impostor named "bob" knocks on alice's door: refused, and alice warns.
  const fakeBob = await makeIdentity();
  assert.equal((await run(fakeBob, ["id", "--set-name", "bob"])).child.exitCode, 0);
  const listener = walkie(["pipe", "--listen", "--host", "127.0.0.1", "--json"], {
    home: alice.home,
  });
  const { port } = await listener.waitForEvent("listening");
  const knock = await run(fakeBob, ["pipe", "--to", `127.0.0.1:${port}`, "--peer", alice.id]);
  assert.equal(knock.errorCode(), "ERR_PEER_REFUSED_US");
  const warning = await listener.waitForEvent("warning");
  assert.equal(warning.code, "ERR_PEER_KEY_CHANGED");
  listener.kill("SIGTERM");
  assert.equal((await listener.waitForExit()).signal, null, "exits cleanly on SIGTERM");
});

test("unpair forgets a peer by name prefix; unknown and ambiguous names are clear errors", async () => {
  const unknown = await run(bob, ["unpair", "zed"]);
  assert.equal(unknown.child.exitCode, 1);
  assert.equal(unknown.errorCode(), "ERR_UNKNOWN_PEER");
  const gone = await run(bob, ["unpair", "ali", "--json"]);
  assert.equal(gone.child.exitCode, 0, gone.stderr);
  assert.deepEqual(JSON.parse((await gone.stdout).data!.toString()), {
    id: alice.id,
    name: "alice",
  });
  assert.deepEqual((await peersOf(bob)).paired, []);
  const dialer = await run(bob, ["pipe", "--to", "alice"]);
  assert.equal(dialer.errorCode(), "ERR_UNKNOWN_PEER");
});

test("a corrupt peer store is a clear ERR_PEER_STORE, and the file is left alone", async () => {
  const { writeFile, readFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const path = join(alice.home, "peers.json");
  await writeFile(path, '{"version":1,"peers":[{"id":"garbage"}]}');
  const proc = await run(alice, ["peers"]);
  assert.equal(proc.child.exitCode, 1);
  assert.equal(proc.errorCode(), "ERR_PEER_STORE");
  assert.equal(await readFile(path, "utf8"), '{"version":1,"peers":[{"id":"garbage"}]}');
});
