// Pairing between nodes in one process over real TCP on loopback (mDNS off):
// pair by code, then link by name with no code; wrong codes, impostors, floods.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createSpake2 } from "../../src/crypto/spake2.js";
import { createNode, hasCode, type Link, type WalkieNode } from "../../src/index.js";
import { PROTOCOL_VERSION } from "../../src/link/handshake.js";
import { MessageReader } from "../../src/link/message-reader.js";
import { initiatePake, pairingScalar } from "../../src/link/pake-exchange.js";
import { dialTcp } from "../../src/transport/index.js";
import { tempDir } from "../helpers/temp.js";

const nodes: WalkieNode[] = [];
after(() => Promise.all(nodes.map((node) => node.close())));

async function node(name: string, home = tempDir()): Promise<WalkieNode> {
  const created = await createNode({ home, name, discovery: false });
  nodes.push(created);
  return created;
}

async function pair(waiter: WalkieNode, joiner: WalkieNode) {
  const session = await waiter.pairWait({ host: "127.0.0.1" });
  const joined = await joiner.pairJoin({
    code: session.code,
    host: "127.0.0.1",
    port: session.port,
  });
  const waited = await session.result;
  await session.close();
  return { session, joined, waited };
}

const codeOf = (err: unknown): string => (err as { code?: string }).code ?? String(err);

describe("pairing nodes over loopback", () => {
  test("two nodes pair by code, store each other, then link by name with no code", async () => {
    const alice = await node("alice");
    const bob = await node("bob");
    const { session, joined, waited } = await pair(alice, bob);
    assert.match(session.code, /^\d{1,3}-[a-z]+-[a-z]+$/);
    assert.equal(joined.id, alice.id);
    assert.equal(joined.name, "alice");
    assert.equal(waited.id, bob.id);
    assert.equal(waited.name, "bob");
    assert.match(joined.sas, /^\d{6}$/);
    assert.equal(joined.sas, waited.sas);
    assert.deepEqual(joined.addresses, [`127.0.0.1:${session.port}`]);
    assert.deepEqual(
      (await alice.peers.list()).map((p) => p.id),
      [bob.id],
    );
    assert.deepEqual(
      (await bob.peers.list()).map((p) => p.id),
      [alice.id],
    );

    // Alice listens where Bob last reached her; Bob dials her by name, no code, no address.
    const listener = await alice.listen({ host: "127.0.0.1", port: session.port });
    const incoming = new Promise<Link>((resolve) => alice.once("link", resolve));
    const link = await bob.dialPeer("ali");
    assert.equal(link.peer.id, alice.id);
    assert.equal((await incoming).peer.id, bob.id);
    assert.ok((await link.ping()) >= 0);
    await link.close();
    await listener.close();
    await bob.peers.idle();
    const seen = await bob.peers.get(alice.id);
    assert.ok(seen?.lastSeenAt && seen.lastSeenAt >= joined.pairedAt);
  });

  test("a wrong code fails on both sides with ERR_BAD_CODE and burns the code", async () => {
    const alice = await node("alice");
    const bob = await node("bob");
    const session = await alice.pairWait({ host: "127.0.0.1", code: "7-amber-rocket" });
    await assert.rejects(
      bob.pairJoin({ code: "7-amber-rabbit", host: "127.0.0.1", port: session.port }),
      (err) => hasCode(err, "ERR_BAD_CODE"),
    );
    await assert.rejects(session.result, (err) => hasCode(err, "ERR_BAD_CODE"));
    // Burned: even the right code gets nowhere now.
    await assert.rejects(
      bob.pairJoin({ code: "7-amber-rocket", host: "127.0.0.1", port: session.port }),
      (err) => ["ERR_CODE_BURNED", "ERR_CONNECTION_REFUSED"].includes(codeOf(err)),
    );
    await session.close();
    assert.deepEqual(await alice.peers.list(), []);
    assert.deepEqual(await bob.peers.list(), []);
  });

  test("a code sent to a listener that waits for none is refused with ERR_NO_CODE", async () => {
    const alice = await node("alice");
    const bob = await node("bob");
    const listener = await alice.listen({ host: "127.0.0.1" });
    const warned = new Promise((resolve) => alice.once("link-error", resolve));
    await assert.rejects(
      bob.pairJoin({ code: "7-amber-rocket", host: "127.0.0.1", port: listener.port }),
      (err) => hasCode(err, "ERR_NO_CODE"),
    );
    assert.equal(codeOf(await warned), "ERR_NO_CODE");
    await listener.close();
  });

  test("a device that presents another key under a paired name is refused as an impostor", async () => {
    const alice = await node("alice");
    const bob = await node("bob");
    const mallory = await node("bob"); // same name, its own key
    const { joined } = await pair(bob, alice); // alice stored bob at bob's pairing address
    const [address] = joined.addresses;
    assert.ok(address);

    // Mallory knocks on alice's door claiming to be bob.
    const listener = await alice.listen({ host: "127.0.0.1" });
    const refused = new Promise((resolve) => alice.once("link-error", resolve));
    await assert.rejects(
      mallory.dial({ host: "127.0.0.1", port: listener.port, peer: alice.id }),
      (err) => hasCode(err, "ERR_PEER_REFUSED_US"),
    );
    const err = await refused;
    assert.equal(codeOf(err), "ERR_PEER_KEY_CHANGED");
    assert.match((err as Error).message, /impostor/);
    await listener.close();

    // Mallory now answers at bob's last address: alice dialling bob refuses it loudly.
    const trap = await mallory.listen({ host: "127.0.0.1", port: Number(address.split(":")[1]) });
    await assert.rejects(alice.dialPeer("bob"), (e) => hasCode(e, "ERR_PEER_KEY_CHANGED"));
    await trap.close();
  });

  test("10,000 attempts with wrong codes: none succeeds, one is checked, the node stays responsive", async () => {
    const alice = await node("alice");
    const bob = await node("bob");
    await pair(alice, bob);
    const listener = await alice.listen({ host: "127.0.0.1" });
    const link = await bob.dial({ host: "127.0.0.1", port: listener.port, peer: alice.id });

    const session = await alice.pairWait({ host: "127.0.0.1", code: "42-amber-rocket" });
    session.result.catch(() => {});
    const wrong = await pairingScalar("42-amber-rabbit");
    const preamble = Buffer.from([0x57, 0x41, 0x4c, 0x4b, PROTOCOL_VERSION, 1, 0, 0]);
    const attempt = async (): Promise<string> => {
      let socket: Awaited<ReturnType<typeof dialTcp>>;
      try {
        socket = await dialTcp({ host: "127.0.0.1", port: session.port, timeoutMs: 10_000 });
      } catch (err: unknown) {
        return codeOf(err);
      }
      try {
        socket.write(preamble);
        const pake = await initiatePake(
          { transport: socket, reader: new MessageReader(socket) },
          wrong,
        );
        await pake.confirm();
        return "PAIRED";
      } catch (err: unknown) {
        return codeOf(err);
      } finally {
        socket.destroy();
      }
    };
    const outcomes = new Map<string, number>();
    let started = 0;
    const worker = async () => {
      while (started < 10_000) {
        started++;
        const outcome = await attempt();
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    };
    // The paired link keeps answering while the flood runs.
    let pings = 0;
    const flood = Promise.all(Array.from({ length: 32 }, worker));
    let flooding = true;
    void flood.finally(() => {
      flooding = false;
    });
    while (flooding) {
      await link.ping();
      pings++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await flood;
    const summary = JSON.stringify(Object.fromEntries(outcomes));
    assert.equal(outcomes.get("PAIRED"), undefined, summary);
    assert.equal(outcomes.get("ERR_BAD_CODE"), 1, summary);
    // After the burn the listener closes: attempts already past the TCP handshake get a
    // refusal (ERR_CODE_BURNED) or, if still in the kernel's accept queue, a reset (ABORTED).
    const expected = [
      "ERR_BAD_CODE",
      "ERR_CODE_BURNED",
      "ERR_HANDSHAKE_ABORTED",
      "ERR_CONNECTION_REFUSED",
    ];
    for (const outcome of outcomes.keys()) assert.ok(expected.includes(outcome), summary);
    assert.equal(
      [...outcomes.values()].reduce((a, b) => a + b),
      10_000,
    );
    assert.ok(pings >= 1);
    await assert.rejects(session.result, (err) => hasCode(err, "ERR_BAD_CODE"));
    await session.close();

    // Still responsive: the link pings, and a fresh code pairs a new device.
    assert.ok((await link.ping()) >= 0);
    const carol = await node("carol");
    const { waited } = await pair(alice, carol);
    assert.equal(waited.name, "carol");
    await link.close();
    await listener.close();
  });
});

test("SPAKE2 messages are fresh per session: the same code never repeats pA", () => {
  const w = new Uint8Array(32).fill(1);
  const a = createSpake2({ role: "A", w }).message();
  const b = createSpake2({ role: "A", w }).message();
  assert.notDeepEqual(a, b);
});

test("dialling a paired peer that does not accept us reports ERR_PEER_REFUSED_US, not unreachable", async () => {
  const alice = await node("alice");
  const bob = await node("bob");
  const { joined } = await pair(alice, bob);
  const port = Number(joined.addresses[0]!.split(":")[1]);
  const listener = await alice.listen({ host: "127.0.0.1", port, allow: [] }); // nobody allowed
  await assert.rejects(bob.dialPeer("alice"), (err) => hasCode(err, "ERR_PEER_REFUSED_US"));
  await listener.close();
  await assert.rejects(bob.dialPeer("alice"), (err) => hasCode(err, "ERR_PEER_UNREACHABLE"));
});
