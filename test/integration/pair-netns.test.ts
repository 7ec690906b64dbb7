/**
 * The offline proof: two network namespaces joined by a veth pair, with no
 * route anywhere else (made and removed by the discovery harness). Two homes
 * pair by code with discovery only, see each other in `walkie peers`, then
 * pipe data by name; no address is ever given by hand. Then both run
 * `walkie up`, stop, and start again on new ports: the addresses they knew
 * are dead, so only mDNS can bring their link back. Skipped, with the
 * reason, where namespaces cannot be made (they need root or CAP_NET_ADMIN).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { setUpTestNet, type TestNet } from "../../src/discovery/mdns-harness.test.js";
import { CLI_PATH } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

type Event = Record<string, unknown> & { event: string };

/** `walkie <args>` run inside one side's namespace, with NDJSON events from stderr. */
class NsWalkie {
  readonly events: Event[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly watchers = new Set<() => void>();

  constructor(net: TestNet, side: 0 | 1, home: string, args: string[], input = "") {
    const argv = [...net.prefix(side), process.execPath, CLI_PATH, ...args];
    this.child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, WALKIE_HOME: home, WALKIE_DISCOVERY: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdin!.end(input);
    this.child.stdout!.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.events.length = 0;
      for (const line of this.stderr.split("\n")) {
        if (line.startsWith("{")) this.events.push(JSON.parse(line) as Event);
      }
      for (const watcher of this.watchers) watcher();
    });
    this.exited = new Promise((resolve) => this.child.once("close", (code) => resolve(code)));
    void this.exited.then(() => {
      for (const watcher of this.watchers) watcher();
    });
  }

  waitFor(name: string, timeoutMs = 60_000): Promise<Event> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.events.find((e) => e.event === name);
        const failed = this.events.find((e) => e.event === "error");
        if (!hit && !failed && this.child.exitCode === null) return;
        this.watchers.delete(check);
        clearTimeout(timer);
        if (hit) resolve(hit);
        else reject(new Error(`no "${name}" event; stderr:\n${this.stderr}`));
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`timed out waiting for "${name}"; stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  /** Every event called `name` so far. */
  all(name: string): Event[] {
    return this.events.filter((e) => e.event === name);
  }

  /** Waits until some event satisfies `match` (the process may log errors meanwhile). */
  waitUntil(what: string, match: (e: Event) => boolean, timeoutMs = 60_000): Promise<Event> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.events.find(match);
        if (!hit && this.child.exitCode === null) return;
        this.watchers.delete(check);
        clearTimeout(timer);
        if (hit) resolve(hit);
        else reject(new Error(`exited before ${what}; stderr:\n${this.stderr}`));
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`timed out waiting for ${what}; stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  /** Ctrl-C, and its exit code. */
  async stop(): Promise<number | null> {
    this.child.kill("SIGINT");
    return this.exited;
  }

  async exitCode(): Promise<number | null> {
    return this.exited;
  }
}

let net: TestNet | undefined;
let skip = "";
const homes = { alice: tempDir("walkie-ns-"), bob: tempDir("walkie-ns-") };

before(() => {
  const made = setUpTestNet();
  if (typeof made === "string") skip = made;
  else if (made.mode !== "netns") {
    skip = "no network namespaces here (needs root or CAP_NET_ADMIN): the offline proof needs them";
  } else net = made;
});
after(() => net?.close());

test("two namespaces with no route out pair by code via mDNS, list and pipe by name", {
  timeout: 120_000,
}, async (t) => {
  const ns: TestNet | undefined = net;
  if (!ns) {
    t.skip(skip);
    return;
  }
  for (const side of [0, 1] as const) {
    const argv: string[] = [...ns.prefix(side), "ip", "route", "show", "default"];
    const routes: { stdout: string } = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
    assert.equal(routes.stdout.trim(), "", "no default route: nothing beyond the veth pair");
  }

  // Pair: alice waits on side 0; bob joins on side 1 with only the code.
  const waiter = new NsWalkie(ns, 0, homes.alice, ["pair", "--name", "alice", "--json"]);
  const { code } = await waiter.waitFor("code");
  const joiner = new NsWalkie(ns, 1, homes.bob, ["pair", String(code), "--name", "bob", "--json"]);
  const [waited, joined] = await Promise.all([waiter.waitFor("paired"), joiner.waitFor("paired")]);
  assert.equal(waited.name, "bob");
  assert.equal(joined.name, "alice");
  assert.equal(waited.sas, joined.sas);
  assert.deepEqual(await Promise.all([waiter.exitCode(), joiner.exitCode()]), [0, 0]);

  // Alice listens for paired peers (announced on mDNS); bob sees her online.
  const listener = new NsWalkie(ns, 0, homes.alice, ["pipe", "--listen", "--json"], "from alice\n");
  const { port } = await listener.waitFor("listening");
  const started = performance.now();
  let online: { lanAddress: string | null } | undefined;
  while (!online?.lanAddress && performance.now() - started < 30_000) {
    const peers: NsWalkie = new NsWalkie(ns, 1, homes.bob, ["peers", "--json"]);
    assert.equal(await peers.exitCode(), 0, peers.stderr);
    const list = JSON.parse(peers.stdout) as { paired: { name: string; lanAddress: string }[] };
    online = list.paired.find((peer) => peer.name === "alice");
  }
  t.diagnostic(`alice online in walkie peers after ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(online?.lanAddress, `10.77.0.1:${port}`);

  // Bob pipes to her by name: found by discovery, no code, no address.
  const dialer = new NsWalkie(ns, 1, homes.bob, ["pipe", "--to", "alice", "--json"], "from bob\n");
  const connected = await dialer.waitFor("connected");
  assert.equal(connected.address, `10.77.0.1:${port}`);
  assert.deepEqual(await Promise.all([dialer.exitCode(), listener.exitCode()]), [0, 0]);
  assert.equal(listener.stdout, "from bob\n");
  assert.equal(dialer.stdout, "from alice\n");
});

test("after both nodes restart on new ports, mDNS alone brings their link back", {
  timeout: 180_000,
}, async (t) => {
  const ns: TestNet | undefined = net;
  if (!ns) {
    t.skip(skip);
    return;
  }
  const up = (side: 0 | 1, home: string) =>
    new NsWalkie(ns, side, home, ["up", "--no-ui", "--port", "0", "--json"]);
  const linkedWith = (node: NsWalkie, name: string) =>
    node.waitUntil(`a link with ${name}`, (e) =>
      String(e.message ?? "").startsWith(`link up with ${name}`),
    );
  // Paired by the test above. First run: they link (and remember the addresses).
  let [alice, bob] = [up(0, homes.alice), up(1, homes.bob)];
  const firstPorts = [(await alice.waitFor("up")).port, (await bob.waitFor("up")).port];
  await Promise.all([linkedWith(alice, "bob"), linkedWith(bob, "alice")]);
  assert.deepEqual(await Promise.all([alice.stop(), bob.stop()]), [0, 0]); // a clean stop

  // Second run on fresh ports: the remembered addresses now refuse.
  [alice, bob] = [up(0, homes.alice), up(1, homes.bob)];
  const ports = [(await alice.waitFor("up")).port, (await bob.waitFor("up")).port];
  assert.notDeepEqual(ports, firstPorts);
  const [aLink, bLink] = await Promise.all([linkedWith(alice, "bob"), linkedWith(bob, "alice")]);
  t.diagnostic(`${aLink.message} / ${bLink.message}`);
  // The link runs between the new ports: one side dialled the other where mDNS said it is.
  const joined = `${aLink.message} ${bLink.message}`;
  assert.ok(
    joined.includes(`:${ports[0]}`) || joined.includes(`:${ports[1]}`),
    `a new port in: ${joined}`,
  );
  assert.deepEqual(await Promise.all([alice.stop(), bob.stop()]), [0, 0]); // a clean stop
});
