import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { Link } from "../../link/index.js";
import type { PeerStore } from "../peer-store.js";
import { PeerKeeper } from "./peer-keeper.js";

/** A link as the keeper sees it: a peer, who dialled, when, and close(). */
function fakeLink(peerId: string, isInitiator: boolean, openedAt: number): Link {
  const link = Object.assign(new EventEmitter(), {
    peer: { id: peerId, name: peerId },
    isInitiator,
    openedAt,
    closed: false,
    close() {
      link.closed = true;
      link.emit("close");
      return Promise.resolve();
    },
  });
  return link as unknown as Link;
}

function keeperWith(selfId: string, links: Link[]): PeerKeeper {
  const node = {
    id: selfId,
    peers: { list: async () => [] } as unknown as PeerStore,
    links: () => links,
    dial: () => Promise.reject(new Error("no dialling here")),
  };
  return new PeerKeeper(node);
}

test("of two node links with one peer, both sides keep the one the lesser device ID dialled", () => {
  for (const selfIsLesser of [true, false]) {
    const [self, peer] = selfIsLesser ? ["AAA", "BBB"] : ["BBB", "AAA"];
    const ours = fakeLink(peer, true, 1); // we dialled
    const theirs = fakeLink(peer, false, 2); // the peer dialled
    const keeper = keeperWith(self, [ours, theirs]);
    keeper.helloOn(ours);
    assert.equal(ours.closed || theirs.closed, false, "one node link alone stays");
    keeper.helloOn(theirs);
    assert.equal(ours.closed, !selfIsLesser);
    assert.equal(theirs.closed, selfIsLesser);
    keeper.stop();
  }
});

test("a link that said no hello (another program with the peer's identity) is never closed", () => {
  const node = fakeLink("BBB", true, 1);
  const program = fakeLink("BBB", false, 2);
  const keeper = keeperWith("AAA", [node, program]);
  keeper.helloOn(node);
  assert.equal(program.closed, false);
  assert.equal(node.closed, false);
  keeper.stop();
});
