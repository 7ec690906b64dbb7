/**
 * Announcer and browser in separate processes, over real multicast: inside
 * two network namespaces joined by a veth pair when the test may create
 * them (root here), else on the host's interfaces. No timing asserts: every
 * wait is for an event, with a generous timeout.
 */
import assert from "node:assert/strict";
import { after, before, describe, type TestContext, test } from "node:test";
import { avahiBrowse, Child, type Event, setUpTestNet, type TestNet } from "./mdns-harness.test.js";

const tag = process.pid.toString(36);
const firstId = `a${tag}`;
const secondId = `b${tag}`;
const deviceName = `Alice's Laptop v2.0 ${tag}`;
const port = 4242;

type Peer = {
  name: string;
  shortId: string;
  nameplate: number | null;
  addresses: string[];
  port: number;
  version: number;
  host: string;
};
const peerOf = (e: Event): Peer => e.peer as Peer;
const about =
  (id: string, type: string, extra: (p: Peer) => boolean = () => true) =>
  (e: Event) =>
    e.event === type && peerOf(e).shortId === id && extra(peerOf(e));

describe("discovery between processes", { timeout: 240_000 }, () => {
  let net: TestNet | undefined;
  let skipReason = "";
  const children: Child[] = [];
  let browser: Child;
  let announcer: Child;

  const start = (side: 0 | 1, config: Record<string, unknown>): Child => {
    const child = new Child(net!.prefix(side), config);
    children.push(child);
    return child;
  };
  const skipped = (t: TestContext): boolean => {
    if (net) return false;
    t.skip(skipReason);
    return true;
  };

  before(async () => {
    const result = setUpTestNet();
    if (typeof result === "string") {
      skipReason = result;
      return;
    }
    net = result;
    browser = start(1, { mode: "browse", options: { selfShortId: `self${tag}` } });
    announcer = start(0, {
      mode: "announce",
      options: { name: deviceName, shortId: firstId, port },
    });
    await Promise.all([
      browser.waitFor((e) => e.event === "ready", "browser ready"),
      announcer.waitFor((e) => e.event === "ready", "announcer ready"),
    ]);
  });

  after(async () => {
    await Promise.all(children.map((child) => child.stop()));
    net?.close();
  });

  test("an announcer and a browser in two processes find each other", async (t) => {
    if (skipped(t)) return;
    const ready = await announcer.waitFor((e) => e.event === "ready", "announcer ready");
    assert.equal(ready.instanceName, deviceName);
    assert.equal(ready.hostName, `${firstId}.local`);
    const peer = peerOf(await browser.waitFor(about(firstId, "up"), "peer up"));
    assert.equal(peer.name, deviceName);
    assert.equal(peer.port, port);
    assert.equal(peer.version, 1);
    assert.equal(peer.nameplate, null);
    assert.equal(peer.host, `${firstId}.local`);
    assert.ok(peer.addresses.length > 0);
    if (net?.mode === "netns") assert.equal(peer.addresses[0], "10.77.0.1");
  });

  test("a nameplate set while running reaches the browser, and clearing it too", async (t) => {
    if (skipped(t)) return;
    announcer.send({ cmd: "nameplate", nameplate: 17 });
    await browser.waitFor(
      about(firstId, "update", (p) => p.nameplate === 17),
      "nameplate 17",
    );
    browser.send({ cmd: "find-nameplate", nameplate: 17 });
    const found = await browser.waitFor((e) => e.event === "found", "findByNameplate");
    assert.equal(peerOf(found).shortId, firstId);
    const seen = browser.events.length;
    announcer.send({ cmd: "nameplate", nameplate: null });
    await browser.waitFor(
      (e) =>
        browser.events.indexOf(e) >= seen &&
        about(firstId, "update", (p) => p.nameplate === null)(e),
      "nameplate cleared",
    );
  });

  test("a second device with the same name gets a unique instance name", async (t) => {
    if (skipped(t)) return;
    const second = start(0, {
      mode: "announce",
      options: { name: deviceName, shortId: secondId, port: port + 1 },
    });
    const ready = await second.waitFor((e) => e.event === "ready", "second announcer ready");
    assert.equal(ready.instanceName, `${deviceName} (2)`);
    const peer = peerOf(await browser.waitFor(about(secondId, "up"), "second peer up"));
    assert.equal(peer.name, `${deviceName} (2)`);
    assert.equal(peer.port, port + 1);
    // A browser that is the first device sees the second but never itself.
    const own = start(0, { mode: "browse", options: { selfShortId: firstId } });
    await own.waitFor(about(secondId, "up"), "second peer seen by the first device");
    await second.stop();
    await browser.waitFor(about(secondId, "down"), "second peer down");
    own.send({ cmd: "peers" });
    await own.waitFor((e) => e.event === "peers", "peers listed");
    assert.equal(
      own.events.some((e) => e.event === "up" && peerOf(e).shortId === firstId),
      false,
    );
    await own.stop();
  });

  test("garbage mDNS packets are ignored and the browser keeps working", async (t) => {
    if (skipped(t)) return;
    const garbage = start(0, { mode: "garbage" });
    const done = await garbage.waitFor((e) => e.event === "done", "garbage sent");
    assert.ok((done.count as number) > 20);
    await browser.waitFor(
      (e) => e.event === "warning" && String(e.cause).startsWith("ERR_MDNS_MALFORMED"),
      "a malformed-packet warning",
    );
    await browser.waitFor(
      (e) => e.event === "warning" && String(e.cause).startsWith("ERR_MDNS_TXT"),
      "a bad-TXT warning",
    );
    announcer.send({ cmd: "nameplate", nameplate: 9 });
    await browser.waitFor(
      about(firstId, "update", (p) => p.nameplate === 9),
      "nameplate 9",
    );
    assert.equal(
      browser.events.some((e) => e.event === "up" && peerOf(e).name === "Evil"),
      false,
    );
    assert.equal(
      browser.events.some((e) => e.event === "error"),
      false,
    );
  });

  test("avahi-browse sees the announcement with the right TXT", async (t) => {
    if (skipped(t)) return;
    const output = await avahiBrowse(net!, 1, `id=${firstId}`);
    if (output.startsWith("SKIP: ")) {
      t.skip(output.slice(6).trim());
      return;
    }
    const line = output.split("\n").find((l) => l.startsWith("=") && l.includes(`"id=${firstId}"`));
    assert.ok(line, `avahi-browse did not resolve our service:\n${output}`);
    const fields = line.split(";");
    assert.equal(fields[4], "_walkie._tcp");
    assert.equal(fields[6], `${firstId}.local`);
    assert.equal(fields[8], String(port));
    if (net!.mode === "netns") assert.equal(fields[7], "10.77.0.1");
    for (const entry of ['"v=1"', `"id=${firstId}"`, '"np=9"'])
      assert.ok(fields[9]?.includes(entry), entry);
  });

  test("stop sends a goodbye that the browser turns into down", async (t) => {
    if (skipped(t)) return;
    await announcer.stop();
    assert.ok(announcer.events.some((e) => e.event === "stopped"));
    // SRV and A live 120 s: a down within the wait is the goodbye, not expiry.
    await browser.waitFor(about(firstId, "down"), "peer down", 60_000);
  });
});
