import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { tempDir } from "../../test/helpers/temp.js";
import { generateKeyPair } from "../crypto/noise/index.js";
import { shortAuthString } from "../crypto/sas.js";
import { hasCode } from "../errors.js";
import { type PairedPeer, PeerStore } from "./peer-store.js";
import { resolvePeer } from "./resolve-peer.js";

const key = () => generateKeyPair().publicKey;

describe("peer store", () => {
  test("a new home has no peers and no file", async () => {
    const store = PeerStore.inHome(tempDir());
    assert.deepEqual(await store.list(), []);
  });

  test("add, list, mark seen and remove survive a reload, in a 0600 file", async () => {
    const home = tempDir();
    const store = PeerStore.inHome(home);
    const bobKey = key();
    const bob = await store.add({ name: "bob", publicKey: bobKey, dialed: "10.0.0.2:4000" });
    assert.match(bob.id, /^[A-Z2-7]{9}(-[A-Z2-7]{9}){3}$/);
    assert.deepEqual(bob.addresses, ["10.0.0.2:4000"]);
    await store.add({ name: "carol", publicKey: key(), from: "10.0.0.3:51234" });
    await store.markSeen(bob.id, { dialed: "10.0.0.9:4000" });
    await store.markSeen(bob.id, { dialed: "10.0.0.2:4000" });
    await store.markSeen("NOT-A-PEER", { from: "1.2.3.4:5" }); // not paired: nothing happens

    const again = await PeerStore.inHome(home).list();
    assert.deepEqual(
      again.map((p) => p.name),
      ["bob", "carol"],
    );
    const reloaded = again[0]!;
    assert.ok(reloaded.publicKey.equals(bobKey));
    assert.deepEqual(reloaded.addresses, ["10.0.0.2:4000", "10.0.0.9:4000"]);
    assert.equal(reloaded.lastSeenFrom, "10.0.0.2:4000");
    assert.ok(reloaded.lastSeenAt && reloaded.lastSeenAt >= bob.pairedAt);
    assert.equal(again[1]!.lastSeenFrom, "10.0.0.3:51234");
    assert.deepEqual(again[1]!.addresses, []);
    assert.equal((await stat(store.path)).mode & 0o777, 0o600);

    assert.equal((await store.remove(bob.id))?.name, "bob");
    assert.equal(await store.remove(bob.id), undefined);
    assert.deepEqual(
      (await store.list()).map((p) => p.name),
      ["carol"],
    );
  });

  test("two processes adding peers to one home at once lose none of them (the file lock)", async () => {
    const home = tempDir();
    const storeModule = new URL("./peer-store.ts", import.meta.url).href;
    const noiseModule = new URL("../crypto/noise/index.ts", import.meta.url).href;
    const adder = (label: string) => {
      const script = `
        const { PeerStore } = await import(${JSON.stringify(storeModule)});
        const { generateKeyPair } = await import(${JSON.stringify(noiseModule)});
        const store = PeerStore.inHome(${JSON.stringify(home)});
        for (let i = 0; i < 40; i++) {
          await store.add({ name: "${label}" + i, publicKey: generateKeyPair().publicKey });
        }`;
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
      return once(child, "exit").then(([code]) => code);
    };
    assert.deepEqual(await Promise.all([adder("a"), adder("b")]), [0, 0]);
    const names = (await PeerStore.inHome(home).list()).map((peer) => peer.name);
    assert.equal(names.length, 80, `kept ${names.length} of 80`);
    assert.equal(new Set(names).size, 80);
  });

  test("pairing again with the same key updates the entry, keeping its first pairing time", async () => {
    const store = PeerStore.inHome(tempDir());
    const publicKey = key();
    const first = await store.add({ name: "old name", publicKey, dialed: "10.0.0.2:1" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.add({ name: "new name", publicKey, dialed: "10.0.0.2:2" });
    const peers = await store.list();
    assert.equal(peers.length, 1);
    assert.equal(peers[0]!.name, "new name");
    assert.equal(peers[0]!.pairedAt, first.pairedAt);
    assert.deepEqual(peers[0]!.addresses, ["10.0.0.2:2", "10.0.0.2:1"]);
  });

  test("concurrent changes in one process are all kept", async () => {
    const store = PeerStore.inHome(tempDir());
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.add({ name: `p${i}`, publicKey: key() })),
    );
    assert.equal((await store.list()).length, 20);
  });

  test("a corrupt file is ERR_PEER_STORE, never a silent reset", async () => {
    const home = tempDir();
    const store = PeerStore.inHome(home);
    const peer = await store.add({ name: "bob", publicKey: key() });
    const good = await readFile(store.path, "utf8");
    const cases: [string, string][] = [
      ["not JSON", "{ this is not json"],
      ["truncated", good.slice(0, good.length / 2)],
      ["wrong version", good.replace('"version": 1', '"version": 7')],
      ["no list", JSON.stringify({ version: 1, peers: {} })],
      [
        "ID of another key",
        good.replace(
          peer.id,
          peer.id.replace(/^./, (c) => (c === "A" ? "B" : "A")),
        ),
      ],
      ["short key", good.replace(peer.publicKey.toString("base64"), "AAAA")],
      ["bad time", good.replace(/"pairedAt": "[^"]+"/, '"pairedAt": "yesterday"')],
      ["control character in the name", good.replace('"bob"', '"b\\u0007ob"')],
    ];
    for (const [what, text] of cases) {
      await writeFile(store.path, text);
      await assert.rejects(store.list(), (err) => hasCode(err, "ERR_PEER_STORE"), what);
      await assert.rejects(store.add({ name: "x", publicKey: key() }), (err) =>
        hasCode(err, "ERR_PEER_STORE"),
      );
      assert.equal(await readFile(store.path, "utf8"), text, `${what}: the file is left as it was`);
    }
  });

  test("an unreadable store path is ERR_PEER_STORE", async () => {
    const home = tempDir();
    const store = new PeerStore(join(home, "peers.json", "nested"));
    await writeFile(join(home, "peers.json"), "{}");
    await assert.rejects(store.list(), (err) => hasCode(err, "ERR_PEER_STORE"));
  });
});

describe("resolvePeer", () => {
  const peer = (name: string): PairedPeer => {
    const publicKey = key();
    return {
      id: "",
      name,
      publicKey,
      pairedAt: new Date(0).toISOString(),
      lastSeenAt: null,
      lastSeenFrom: null,
      addresses: [],
    };
  };
  const withIds = async () => {
    const store = PeerStore.inHome(tempDir());
    for (const name of ["bob", "Bobby", "carol"]) await store.add({ name, publicKey: key() });
    return store.list();
  };

  test("finds a peer by whole ID in any case and spacing, by name, by unique prefix", async () => {
    const peers = await withIds();
    const carol = peers.find((p) => p.name === "carol")!;
    assert.equal(resolvePeer(peers, carol.id), carol);
    assert.equal(resolvePeer(peers, carol.id.toLowerCase().replace(/-/g, " ")), carol);
    assert.equal(resolvePeer(peers, "CAROL"), carol);
    assert.equal(resolvePeer(peers, "car"), carol);
    assert.equal(resolvePeer(peers, carol.id.slice(0, 6)), carol);
    // An exact name beats a prefix: "bob" is bob, though it starts "Bobby" too.
    assert.equal(resolvePeer(peers, "bob").name, "bob");
  });

  test("an ambiguous prefix or name and an unknown peer are clear ConfigErrors", async () => {
    const peers = await withIds();
    assert.throws(
      () => resolvePeer(peers, "bo"),
      (err) => hasCode(err, "ERR_AMBIGUOUS_PEER"),
    );
    const twins = [...peers, { ...peer("carol"), id: "ZZZZZZZZZ-ZZZZZZZZZ-ZZZZZZZZZ-ZZZZZZZZZ" }];
    assert.throws(
      () => resolvePeer(twins, "carol"),
      (err) => hasCode(err, "ERR_AMBIGUOUS_PEER") && /carol \(/.test((err as Error).message),
    );
    assert.throws(
      () => resolvePeer(peers, "dave"),
      (err) => hasCode(err, "ERR_UNKNOWN_PEER"),
    );
    assert.throws(
      () => resolvePeer(peers, "  "),
      (err) => hasCode(err, "ERR_UNKNOWN_PEER"),
    );
    assert.throws(() => resolvePeer([], "bob"), /has not paired/);
  });
});

test("the short authentication string is six digits, the same for the same hash", () => {
  const hash = Buffer.alloc(32, 7);
  assert.match(shortAuthString(hash), /^\d{6}$/);
  assert.equal(shortAuthString(hash), shortAuthString(Buffer.from(hash)));
  assert.notEqual(shortAuthString(hash), shortAuthString(Buffer.alloc(32, 8)));
});
