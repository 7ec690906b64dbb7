// Pipes through running nodes: two nodes (as `walkie up` runs them) paired
// on loopback; a command on each side reaches its node's control API over a
// WebSocket, and the bytes cross the nodes' link both ways with half-close.
// Then the failures: nobody waiting, an unknown peer, a wrong token.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { type NodePipe, pipeThroughNode } from "../../src/cli/pipe-via-node.js";
import { hasCode } from "../../src/index.js";
import { eventually, onlineWith, pair, startDaemon, type TestDaemon } from "../helpers/daemon.js";

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const control = (d: TestDaemon) => ({ control: d.web.origin, token: d.token });

async function readAll(pipe: NodePipe): Promise<Buffer> {
  const chunks: Buffer[] = [];
  pipe.stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  await once(pipe.stream, "end");
  return Buffer.concat(chunks);
}

async function pairedNodes(): Promise<[TestDaemon, TestDaemon]> {
  const [a, b] = await Promise.all([startDaemon("alice"), startDaemon("bob")]);
  await pair(a, b);
  await eventually("linked", onlineWith(a, b.node.id));
  return [a, b];
}

test("a pipe through both nodes carries data both ways and half-closes each way", async () => {
  const [a, b] = await pairedNodes();
  const listening = pipeThroughNode(control(b), { allow: [a.node.id] });
  await eventually("bob's node waits", async () => b.service.pipes.waiting === 1 || undefined);
  const opener = await pipeThroughNode(control(a), { to: "bob" });
  assert.equal(opener.peer.id, b.node.id);
  const taker = await listening;
  assert.equal(taker.peer.id, a.node.id);

  const data = randomBytes(5 * 1024 * 1024 + 17);
  const received = readAll(taker);
  opener.stream.end(data);
  assert.equal(sha(await received), sha(data));
  // Alice's direction is closed; bob's still carries his answer.
  const answer = readAll(opener);
  taker.stream.end("got it\n");
  assert.equal((await answer).toString(), "got it\n");
  await eventually("both nodes idle again", async () =>
    a.service.pipes.waiting === 0 && (await a.call("GET", "/api/status")).json.totals.streams === 0
      ? true
      : undefined,
  );
});

test("a pipe to a peer whose node has nobody waiting fails with ERR_NOT_LISTENING", async () => {
  const [a] = await pairedNodes();
  const opener = await pipeThroughNode(control(a), { to: "bob" });
  const [err] = (await once(opener.stream, "error")) as [Error];
  assert.ok(hasCode(err, "ERR_NOT_LISTENING"), String(err));
});

test("a pipe to nobody paired, or with a wrong token, is refused clearly", async () => {
  const a = await startDaemon("alice");
  await assert.rejects(pipeThroughNode(control(a), { to: "nobody" }), (err: Error) => {
    assert.match((err as { code?: string }).code ?? "", /^ERR_/);
    assert.match(err.message, /nobody/);
    return true;
  });
  await assert.rejects(
    pipeThroughNode({ control: a.web.origin, token: "wrong" }, { to: "bob" }),
    (err) => hasCode(err, "ERR_CONTROL_UNREACHABLE"),
  );
});

test("a command that leaves while its node waits for a pipe leaves the node serving", async () => {
  const [a, b] = await pairedNodes();
  const url = `${b.web.origin.replace(/^http/, "ws")}/api/pipe?listen=1&token=${b.token}`;
  const ws = new WebSocket(url);
  await once(ws, "open");
  await eventually("bob's node waits", async () => b.service.pipes.waiting === 1 || undefined);
  ws.terminate(); // Ctrl-C, or a killed command
  await eventually("nobody waits", async () => b.service.pipes.waiting === 0 || undefined);
  assert.equal((await b.call("GET", "/api/status")).status, 200);
  // And a pipe opened now is refused as nobody waits, by a node that is still there.
  const opener = await pipeThroughNode(control(a), { to: "bob" });
  const [err] = (await once(opener.stream, "error")) as [Error];
  assert.ok(hasCode(err, "ERR_NOT_LISTENING"), String(err));
});
