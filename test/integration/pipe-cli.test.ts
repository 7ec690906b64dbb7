// `walkie pipe` end to end: real processes, real sockets on 127.0.0.1, ports
// from --port 0. Bulk integrity, both directions with half-close, refusals,
// a vanished peer, and stdout kept for data. Asserts exit codes and `code`
// fields, never timings.
import assert from "node:assert/strict";
import { createCipheriv, createHash, type Hash, randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { test } from "node:test";
import { libsodiumAvailable } from "../../src/link/record-aead.js";
import {
  type CliIdentity,
  makeIdentity,
  startDialer,
  startListener,
  type WalkieProcess,
  walkie,
  withDeadline,
} from "../helpers/cli.js";

const MB = 1_000_000;
const GIB = 1024 ** 3;

// alice dials, bob listens, carol is a third device that should get nowhere.
const alice = await makeIdentity();
const bob = await makeIdentity();
const carol = await makeIdentity();

/** A deterministic pseudo-random stream (AES-CTR keystream), hashed into `hash` as it is made. */
function* pseudoRandom(total: number, hash: Hash): Generator<Buffer> {
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 0x5a), Buffer.alloc(16));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = total; left > 0; left -= zeros.length) {
    const chunk = cipher.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
    hash.update(chunk);
    yield chunk;
  }
}

/** The same random megabyte for ever (until the reader goes away). */
function* endless(): Generator<Buffer> {
  const block = randomBytes(1024 * 1024);
  for (;;) yield block;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function closedCounts(proc: WalkieProcess): { bytesSent: unknown; bytesReceived: unknown } {
  const closed = proc.events.find((event) => event.event === "closed");
  assert.ok(closed, `no "closed" event\nstderr:\n${proc.stderr}`);
  return { bytesSent: closed.bytesSent, bytesReceived: closed.bytesReceived };
}

async function assertReceived(proc: WalkieProcess, expected: Buffer): Promise<void> {
  const out = await proc.stdout;
  assert.equal(out.bytes, expected.length);
  assert.equal(out.sha256, sha256(expected));
}

/** A TCP port on 127.0.0.1 that nothing listens on (found with listen(0), then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** `id` with one character changed: the check characters must catch it. */
function mistyped(identity: CliIdentity): string {
  const first = identity.id[0] === "A" ? "B" : "A";
  return first + identity.id.slice(1);
}

function assertOneClearLine(proc: WalkieProcess, codes: readonly string[]): void {
  const lines = proc.stderr.trimEnd().split("\n");
  const last = lines.at(-1) ?? "";
  const match = /^walkie: .+ \((ERR_[A-Z0-9_]+)\)$/.exec(last);
  assert.ok(match, `last stderr line is not "walkie: <message> (<CODE>)":\n${proc.stderr}`);
  assert.ok(codes.includes(match[1]!), `code ${match[1]} is not one of ${codes.join(", ")}`);
  assert.ok(!/^\s+at /m.test(proc.stderr), `stack trace on stderr:\n${proc.stderr}`);
}

test("a 1 GiB stream arrives with the same SHA-256 and both sides count 1073741824 bytes", async () => {
  const { proc: listener, port } = await startListener(bob, [alice.id], { stdout: "hash" });
  listener.child.stdin.end();
  const dialer = startDialer(alice, port, bob.id);
  const sent = createHash("sha256");
  const feeding = dialer.feed(pseudoRandom(GIB, sent));

  await Promise.all([listener.expectExit(0, 120_000), dialer.expectExit(0, 120_000)]);
  const received = await listener.stdout;
  assert.equal(received.bytes, GIB);
  assert.equal(received.sha256, sent.digest("hex"));
  assert.deepEqual(closedCounts(listener), { bytesSent: 0, bytesReceived: GIB });
  assert.deepEqual(closedCounts(dialer), { bytesSent: GIB, bytesReceived: 0 });
  assert.equal((await dialer.stdout).bytes, 0);
  assert.equal(await feeding, undefined);
});

// The second time the dialer seals and opens its records with node:crypto,
// the listener with libsodium: the same ChaCha20-Poly1305 bytes.
for (const dialerCrypto of ["libsodium", "node:crypto"]) {
  test(`both directions at once: each side receives exactly what the other sent (dialer on ${dialerCrypto})`, async () => {
    const fromBob = randomBytes(3 * MB + 17);
    const fromAlice = randomBytes(5 * MB + 3);
    // "" is the default: libsodium where sodium-native loads.
    const { proc: listener, port } = await startListener(bob, [alice.id], {
      env: { WALKIE_CRYPTO: "" },
    });
    const env = { WALKIE_CRYPTO: dialerCrypto === "node:crypto" ? "node" : "" };
    const dialer = startDialer(alice, port, bob.id, { env });
    const feeds = [listener.feed(fromBob), dialer.feed(fromAlice)];

    await Promise.all([listener.expectExit(0), dialer.expectExit(0)]);
    await assertReceived(listener, fromAlice);
    await assertReceived(dialer, fromBob);
    assert.deepEqual(await Promise.all(feeds), [undefined, undefined]);
    const byDefault = libsodiumAvailable() ? "libsodium" : "node:crypto";
    assert.equal((await listener.waitForEvent("connected")).crypto, byDefault);
    const dialerUses = dialerCrypto === "node:crypto" ? "node:crypto" : byDefault;
    assert.equal((await dialer.waitForEvent("connected")).crypto, dialerUses);
    assert.deepEqual(closedCounts(listener), {
      bytesSent: fromBob.length,
      bytesReceived: fromAlice.length,
    });
    assert.deepEqual(closedCounts(dialer), {
      bytesSent: fromAlice.length,
      bytesReceived: fromBob.length,
    });
  });
}

for (const quiet of ["listener", "dialer"] as const) {
  const talker = quiet === "listener" ? "dialer" : "listener";
  test(`half-close: the ${quiet}'s stdin ends at once, the ${talker} still sends 10 MB, all of it arrives`, async () => {
    const data = randomBytes(10 * MB);
    const { proc: listener, port } = await startListener(bob, [alice.id]);
    const dialer = startDialer(alice, port, bob.id);
    const [silent, sender] = quiet === "listener" ? [listener, dialer] : [dialer, listener];
    silent.child.stdin.end();
    sender.child.stdin.write(data.subarray(0, 5 * MB));
    // The sender's stdout ends when the silent side's EOF has crossed the
    // link; the second half goes out after that, so it needs the half-open
    // direction to still work.
    const senderOut = await withDeadline(sender.stdout, `EOF on the ${talker}'s stdout`);
    assert.equal(senderOut.bytes, 0);
    sender.child.stdin.end(data.subarray(5 * MB));

    await Promise.all([listener.expectExit(0), dialer.expectExit(0)]);
    await assertReceived(silent, data);
    assert.deepEqual(closedCounts(sender), { bytesSent: data.length, bytesReceived: 0 });
    assert.deepEqual(closedCounts(silent), { bytesSent: 0, bytesReceived: data.length });
    assert.equal(sender.stdinError, undefined);
  });
}

test("--json keeps stdout for data: sides that receive nothing print nothing there", async () => {
  const { proc: listener, port } = await startListener(bob, [alice.id]);
  const dialer = startDialer(alice, port, bob.id);
  listener.child.stdin.end();
  dialer.child.stdin.end();

  await Promise.all([listener.expectExit(0), dialer.expectExit(0)]);
  for (const proc of [listener, dialer]) {
    assert.equal((await proc.stdout).bytes, 0);
    // Every stderr line is an NDJSON event.
    for (const line of proc.stderr.trimEnd().split("\n"))
      assert.doesNotThrow(() => JSON.parse(line));
    assert.deepEqual(closedCounts(proc), { bytesSent: 0, bytesReceived: 0 });
  }
  const connected = listener.events.find((event) => event.event === "connected");
  assert.equal(connected?.peer, alice.id);
  assert.equal(dialer.events.find((event) => event.event === "connected")?.peer, bob.id);
});

test("a wrong --peer fails on both sides: ERR_UNEXPECTED_PEER at the dialer, ERR_PEER_REFUSED_US at the listener", async () => {
  const { proc: listener, port } = await startListener(bob, [alice.id]);
  // alice reaches bob's port but expects carol there.
  const dialer = startDialer(alice, port, carol.id);
  dialer.child.stdin.end("must not arrive");

  await Promise.all([dialer.expectExit(1), listener.expectExit(1)]);
  assert.equal(dialer.errorCode(), "ERR_UNEXPECTED_PEER");
  assert.equal(listener.errorCode(), "ERR_PEER_REFUSED_US");
  for (const proc of [listener, dialer]) {
    assert.equal((await proc.stdout).bytes, 0);
    assert.equal(
      proc.events.some((event) => event.event === "connected"),
      false,
    );
  }
});

test("a dialer not on --allow gets ERR_PEER_REFUSED_US; the listener warns ERR_PEER_NOT_ALLOWED and still takes the right peer", async () => {
  const { proc: listener, port } = await startListener(bob, [alice.id]);
  const stranger = startDialer(carol, port, bob.id, { json: false });
  stranger.child.stdin.end("must not arrive");
  await stranger.expectExit(1);
  assertOneClearLine(stranger, ["ERR_PEER_REFUSED_US"]);
  await listener.waitForEvent("warning", (event) => event.code === "ERR_PEER_NOT_ALLOWED");
  assert.equal(listener.child.exitCode, null, "the listener must keep waiting");

  const dialer = startDialer(alice, port, bob.id);
  const feeds = [listener.feed(Buffer.from("hello alice")), dialer.feed(Buffer.from("hello bob"))];
  await Promise.all([listener.expectExit(0), dialer.expectExit(0)]);
  assert.deepEqual(await Promise.all(feeds), [undefined, undefined]);
  assert.equal((await listener.stdout).data?.toString(), "hello bob");
  assert.equal((await dialer.stdout).data?.toString(), "hello alice");
  const connected = listener.events.filter((event) => event.event === "connected");
  assert.deepEqual(
    connected.map((event) => event.peer),
    [alice.id],
  );
});

test("dialling a closed port exits 1 with ERR_CONNECTION_REFUSED", async () => {
  const port = await closedPort();
  const json = startDialer(alice, port, bob.id);
  const plain = startDialer(alice, port, bob.id, { json: false });
  await Promise.all([json.expectExit(1), plain.expectExit(1)]);
  assert.equal(json.errorCode(), "ERR_CONNECTION_REFUSED");
  assertOneClearLine(plain, ["ERR_CONNECTION_REFUSED"]);
});

test("a mistyped device ID is caught by its check characters: ERR_BAD_DEVICE_ID", async () => {
  const port = await closedPort();
  const dialer = walkie(["pipe", "--to", `127.0.0.1:${port}`, "--peer", mistyped(bob)], {
    home: alice.home,
  });
  const listener = walkie(
    ["pipe", "--listen", "--host", "127.0.0.1", "--port", "0", "--allow", mistyped(alice)],
    { home: bob.home },
  );
  for (const proc of [dialer, listener]) {
    proc.child.stdin.end();
    const status = await proc.waitForExit();
    assert.equal(status.signal, null);
    assert.notEqual(status.code, 0, proc.stderr);
    assertOneClearLine(proc, ["ERR_BAD_DEVICE_ID"]);
  }
});

test("an option without its value or an unknown option is a usage error (exit 2)", async () => {
  for (const args of [
    ["pipe", "--to"],
    ["pipe", "--listen", "--allow"],
    ["pipe", "--bogus"],
  ]) {
    const proc = walkie(args, { home: alice.home });
    proc.child.stdin.end();
    await proc.expectExit(2);
    assert.equal((await proc.stdout).bytes, 0);
  }
});

test("missing options are a usage error: exit 2 with ERR_USAGE", async () => {
  const port = String(await closedPort());
  const cases = [
    ["pipe"],
    ["pipe", "--listen"],
    ["pipe", "--to", `127.0.0.1:${port}`],
    ["pipe", "--listen", "--port", "99999", "--allow", alice.id],
  ];
  for (const args of cases) {
    const proc = walkie([...args, "--json"], { home: alice.home });
    proc.child.stdin.end();
    const status = await proc.waitForExit();
    assert.equal(proc.errorCode(), "ERR_USAGE", `walkie ${args.join(" ")}`);
    assert.deepEqual(status, { code: 2, signal: null }, `walkie ${args.join(" ")}`);
  }
});

for (const victim of ["listener", "dialer"] as const) {
  const survivor = victim === "listener" ? "dialer" : "listener";
  test(`peer vanished: SIGKILL of the ${victim} mid-transfer makes the ${survivor} exit 1 with one clear line`, async () => {
    const { proc: listener, port } = await startListener(bob, [alice.id], { stdout: "hash" });
    const dialer = startDialer(alice, port, bob.id, { json: false, stdout: "hash" });
    listener.child.stdin.end();
    // Endless input: the transfer is still running whenever the kill lands.
    const feeding = dialer.feed(endless());
    await listener.waitForStdout(4 * MB);
    const [killed, left] = victim === "listener" ? [listener, dialer] : [dialer, listener];
    killed.kill("SIGKILL");

    assert.deepEqual(await killed.waitForExit(), { code: null, signal: "SIGKILL" });
    await left.expectExit(1);
    if (left === dialer) assertOneClearLine(dialer, ["ERR_PEER_VANISHED", "ERR_LINK_CLOSED"]);
    else {
      const code = listener.errorCode();
      assert.ok(code === "ERR_PEER_VANISHED" || code === "ERR_LINK_CLOSED", listener.stderr);
    }
    // The dialer's stdin breaks once it is gone (EPIPE): expected here.
    await feeding;
  });
}
