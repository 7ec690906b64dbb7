import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CLASS_IN, RecordType, type ResourceRecord } from "./dns-message.js";
import type { MdnsInterface } from "./interfaces.js";
import { PeerCache, type PeerEvent } from "./peer-cache.js";
import { goodbye, type ServiceIdentity, serviceRecords } from "./records.js";
import { encodeTxt } from "./txt.js";

const iface: MdnsInterface = {
  name: "veth0",
  ipv4: "10.77.0.1",
  netmask: "255.255.255.0",
  addresses: ["10.77.0.1", "fe80::1"],
};

function identity(shortId: string, nameplate: number | null = null): ServiceIdentity {
  return {
    instance: `Device ${shortId}`,
    host: shortId,
    port: 4000,
    txt: encodeTxt({ version: 1, shortId, nameplate }),
  };
}

function cache(selfShortId?: string) {
  const warnings: string[] = [];
  const peers = new PeerCache(selfShortId, (message) => warnings.push(message));
  return { peers, warnings };
}

const types = (events: PeerEvent[]) => events.map((e) => `${e.type}:${e.peer.shortId}`);

describe("peer cache", () => {
  test("an announcement brings a peer up, a TXT change updates it, a goodbye takes it down", () => {
    const { peers } = cache();
    assert.deepEqual(types(peers.apply(serviceRecords(identity("ab12"), iface), 0)), ["up:ab12"]);
    assert.deepEqual(peers.peers(), [
      {
        name: "Device ab12",
        shortId: "ab12",
        nameplate: null,
        addresses: ["10.77.0.1", "fe80::1"],
        port: 4000,
        version: 1,
        host: "ab12.local",
      },
    ]);
    assert.deepEqual(peers.apply(serviceRecords(identity("ab12"), iface), 10), []);
    const update = peers.apply(serviceRecords(identity("ab12", 7), iface), 20);
    assert.deepEqual(types(update), ["update:ab12"]);
    assert.equal(update[0]?.type === "update" && update[0].previous.nameplate, null);
    assert.equal(peers.peers()[0]?.nameplate, 7);
    const bye = goodbye(serviceRecords(identity("ab12", 7), iface));
    assert.deepEqual(types(peers.apply(bye, 30)), ["down:ab12"]);
    assert.deepEqual(peers.peers(), []);
  });

  test("records expire with their TTL", () => {
    const { peers } = cache();
    peers.apply(serviceRecords(identity("ab12"), iface), 0);
    assert.deepEqual(peers.expire(119_000), []);
    assert.deepEqual(types(peers.expire(120_000)), ["down:ab12"]); // SRV and A: 120 s
  });

  test("asks for missing parts, and refreshes at 80% of a TTL", () => {
    const { peers } = cache();
    const records = serviceRecords(identity("ab12"), iface);
    peers.apply(
      records.filter((r) => r.data.kind === "ptr"),
      0,
    );
    const asked = peers.questions(1000).map((q) => `${q.name[0]}/${q.qtype}`);
    assert.deepEqual(asked, ["Device ab12/33", "Device ab12/16"]);
    assert.deepEqual(peers.questions(1500), [], "not again within a second");
    peers.apply(records, 2000);
    const refresh = peers.questions(2000 + 96_000).map((q) => `${q.name[0]}/${q.qtype}`);
    assert.deepEqual(refresh, ["Device ab12/33", `ab12/${RecordType.ANY}`]);
  });

  test("ignores our own announcement", () => {
    const { peers } = cache("ab12");
    assert.deepEqual(peers.apply(serviceRecords(identity("ab12"), iface), 0), []);
    assert.deepEqual(types(peers.apply(serviceRecords(identity("cd34"), iface), 0)), ["up:cd34"]);
  });

  test("a bad TXT record keeps the instance out and warns once", () => {
    const { peers, warnings } = cache();
    const records = serviceRecords(identity("ab12"), iface).map((r) =>
      r.data.kind === "txt"
        ? { ...r, data: { kind: "txt" as const, strings: [Buffer.from("v=x")] } }
        : r,
    );
    assert.deepEqual(peers.apply(records, 0), []);
    peers.apply(records, 10);
    assert.equal(warnings.filter((w) => w.includes("bad TXT")).length, 1);
  });

  test("caps what a hostile network can make it hold", () => {
    const { peers, warnings } = cache();
    for (let i = 0; i < 300; i++) peers.apply(serviceRecords(identity(`d${i}`), iface), 0);
    assert.equal(peers.peers().length, 256);
    assert.ok(warnings.some((w) => w.includes("256 already known")));
    const flood: ResourceRecord[] = Array.from({ length: 40 }, (_, i) => ({
      name: ["d1", "local"],
      rrclass: CLASS_IN,
      cacheFlush: false,
      ttl: 120,
      data: { kind: "a", address: `10.1.0.${i}` },
    }));
    peers.apply(flood, 1);
    assert.equal(peers.peers().find((p) => p.shortId === "d1")?.addresses.length, 16);
  });

  test("cache-flush replaces addresses of the same type older than a second", () => {
    const { peers } = cache();
    peers.apply(serviceRecords(identity("ab12"), iface), 0);
    const moved = serviceRecords(identity("ab12"), { ...iface, addresses: ["10.77.0.9"] });
    peers.apply(moved, 5000);
    assert.deepEqual(peers.peers()[0]?.addresses, ["10.77.0.9", "fe80::1"]);
    const both = serviceRecords(identity("ab12"), {
      ...iface,
      addresses: ["10.77.0.8", "fd00::8"],
    });
    peers.apply(both, 5500); // within a second of the last: kept alongside
    assert.deepEqual(peers.peers()[0]?.addresses, ["10.77.0.8", "10.77.0.9", "fd00::8"]);
  });
});
