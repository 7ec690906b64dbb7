/**
 * Two nodes in one process, linked over an in-memory duplex pair (or any
 * pair of connected duplexes), each pinning the other's device ID.
 */
import type { Duplex } from "node:stream";
import { after } from "node:test";
import {
  createMemoryDuplexPair,
  createNode,
  expectPeer,
  type Link,
  type NodeOptions,
  type WalkieNode,
} from "../../src/index.js";
import { tempDir } from "./temp.js";

export interface LinkedNodes {
  a: WalkieNode;
  b: WalkieNode;
  /** a's side of the link (a is the initiator). */
  ab: Link;
  /** b's side of the link. */
  ba: Link;
}

/** Two fresh nodes, `alice` and `bob`, closed after the test file. */
export async function twoNodes(options: NodeOptions = {}): Promise<[WalkieNode, WalkieNode]> {
  const a = await createNode({ home: tempDir(), name: "alice", discovery: false, ...options });
  const b = await createNode({ home: tempDir(), name: "bob", discovery: false, ...options });
  after(() => Promise.all([a.close(), b.close()]));
  return [a, b];
}

/** Links `a` (initiator) and `b` over `pair` (default: an in-memory pair). */
export async function linkNodes(
  a: WalkieNode,
  b: WalkieNode,
  pair: [Duplex, Duplex] = createMemoryDuplexPair(),
): Promise<{ ab: Link; ba: Link }> {
  const [ab, ba] = await Promise.all([
    a.connect(pair[0], { isInitiator: true, verifyPeer: expectPeer(b.id) }),
    b.connect(pair[1], { isInitiator: false, verifyPeer: expectPeer(a.id) }),
  ]);
  return { ab, ba };
}

/** Two fresh nodes linked in memory. */
export async function linkedNodes(options: NodeOptions = {}): Promise<LinkedNodes> {
  const [a, b] = await twoNodes(options);
  return { a, b, ...(await linkNodes(a, b)) };
}
