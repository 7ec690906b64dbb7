// Pairing and one-time code links over any byte stream (here an in-memory
// pair; the CLI uses serial ports and stdio the same way).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createMemoryDuplexPair, hasCode, joinCodeLink, waitForCodeLink } from "../../src/index.js";
import { twoNodes } from "../helpers/linked-nodes.js";

test("pairWait / pairJoin over a byte stream store both peers", async () => {
  const [a, b] = await twoNodes();
  const [one, two] = createMemoryDuplexPair();
  const session = await a.pairWait({ transport: { open: async () => one, name: "memory" } });
  const joined = b.pairJoin({
    code: session.code,
    transport: { open: async () => two, name: "memory" },
  });
  const [waited, join] = await Promise.all([session.result, joined]);
  assert.equal(waited.id, b.id);
  assert.equal(join.id, a.id);
  assert.equal(waited.sas, join.sas);
  assert.ok(await a.peers.get(b.id));
});

test("a one-time code link over a byte stream; a wrong code fails on both sides", async () => {
  const [a, b] = await twoNodes();
  const [one, two] = createMemoryDuplexPair();
  const session = await waitForCodeLink(a, {
    transport: { open: async () => one, name: "memory" },
  });
  const [waited, joined] = await Promise.all([
    session.link,
    joinCodeLink(b, { code: session.code, transport: { open: async () => two, name: "memory" } }),
  ]);
  assert.equal(waited.peer.id, b.id);
  assert.equal(joined.peer.id, a.id);

  const [three, four] = createMemoryDuplexPair();
  const other = await waitForCodeLink(a, {
    transport: { open: async () => three, name: "memory" },
  });
  const wrong = other.code.replace(/-[a-z]+$/, (w) => (w === "-apple" ? "-zebra" : "-apple"));
  const results = await Promise.allSettled([
    other.link,
    joinCodeLink(b, { code: wrong, transport: { open: async () => four, name: "memory" } }),
  ]);
  for (const result of results) {
    assert.equal(result.status, "rejected");
    assert.ok(hasCode(result.reason, "ERR_BAD_CODE"), String(result.reason));
  }
});
