// Files through a running node's API, in-process over loopback: uploads
// from the browser's side, offers that wait for an answer, auto-accept,
// bounded memory for a huge upload, and transfers that wait for an offline
// peer or resume after a dropped link.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import {
  eventually,
  type HttpAnswer,
  onlineWith,
  pair,
  startDaemon,
  type TestDaemon,
} from "../helpers/daemon.js";
import { tempDir } from "../helpers/temp.js";

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** PUTs `chunks` (a Buffer or a lazy generator) as the raw body of an upload file. */
function put(daemon: TestDaemon, path: string, chunks: Buffer | Iterable<Buffer>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: daemon.web.port,
        method: "PUT",
        path,
        headers: {
          authorization: `Bearer ${daemon.token}`,
          "content-type": "application/octet-stream",
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    const parts = Buffer.isBuffer(chunks) ? [chunks][Symbol.iterator]() : chunks[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        const next = parts.next();
        if (next.done) {
          req.end();
          return;
        }
        if (!req.write(next.value)) {
          req.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
}

async function pairedPair(): Promise<[TestDaemon, TestDaemon]> {
  const a = await startDaemon("alice");
  const b = await startDaemon("bob");
  await pair(a, b);
  await eventually("a linked with b", onlineWith(a, b.node.id));
  return [a, b];
}

const transferOn = (daemon: TestDaemon, id: string | undefined, state: string) => async () => {
  const { transfers } = (await daemon.call("GET", "/api/transfers")).json;
  return transfers.find(
    (t: { id: string; state: string }) => (id === undefined || t.id === id) && t.state === state,
  );
};

test("an upload reaches the peer's inbox with the right hashes once the peer accepts", async () => {
  const [a, b] = await pairedPair();
  const hello = Buffer.from("hello, bob\n");
  const blob = randomBytes(3 * 1024 * 1024 + 17);
  const files = [
    { path: "hello.txt", size: hello.length },
    { path: "photos/big.bin", size: blob.length },
  ];
  const created: HttpAnswer = await a.call("POST", "/api/uploads", { peer: "bob", files });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.json.state, "uploading");
  const id = created.json.id;
  assert.equal(await put(a, `/api/uploads/${id}/0`, hello), 200);
  assert.equal(await put(a, `/api/uploads/${id}/1`, blob), 200);
  const committed = await a.call("POST", `/api/uploads/${id}/commit`, {});
  assert.equal(committed.status, 200, committed.text);

  const offer = await eventually("the offer on bob's side", transferOn(b, undefined, "asking"));
  assert.deepEqual(offer.names, ["hello.txt", "photos"]);
  assert.equal(offer.files, 2);
  assert.equal(offer.totalBytes, hello.length + blob.length);
  assert.equal((await b.call("POST", `/api/transfers/${offer.id}/accept`, {})).status, 200);
  await eventually("sent", transferOn(a, id, "done"));
  await eventually("received", transferOn(b, offer.id, "done"));
  assert.equal(sha(readFileSync(join(b.inbox, "hello.txt"))), sha(hello));
  assert.equal(sha(readFileSync(join(b.inbox, "photos", "big.bin"))), sha(blob));
  const metrics = (await a.call("GET", "/metrics")).text;
  assert.match(metrics, /^walkie_transfers_total\{direction="out",result="done"\} 1$/m);
});

test("offers can be declined; a peer set to auto-accept is not asked", async () => {
  const [a, b] = await pairedPair();
  const dir = tempDir();
  writeFileSync(join(dir, "note.txt"), "one\n");
  const send = () =>
    a.call("POST", "/api/transfers", { peer: "bob", paths: [join(dir, "note.txt")] });
  const first = (await send()).json;
  const offer = await eventually("an offer", transferOn(b, undefined, "asking"));
  await b.call("POST", `/api/transfers/${offer.id}/reject`, {});
  await eventually("declined", transferOn(a, first.id, "rejected"));

  const set = await b.call("POST", `/api/peers/${a.node.id}/settings`, { autoAccept: true });
  assert.equal(set.status, 200, set.text);
  const peers = (await b.call("GET", "/api/peers")).json;
  assert.equal(peers.paired[0].autoAccept, true);
  const second = (await send()).json;
  await eventually("sent without asking", transferOn(a, second.id, "done"));
  assert.equal(readFileSync(join(b.inbox, "note.txt"), "utf8"), "one\n");
});

test("bad uploads are refused clearly", async () => {
  const [a] = await pairedPair();
  const unsafe = await a.call("POST", "/api/uploads", {
    peer: "bob",
    files: [{ path: "../escape.txt", size: 1 }],
  });
  assert.equal(unsafe.status, 400);
  assert.equal(unsafe.json.error.code, "ERR_UNSAFE_PATH");
  const unknown = await a.call("POST", "/api/uploads", { peer: "nobody", files: [] });
  assert.equal(unknown.status, 404);
  const created = (
    await a.call("POST", "/api/uploads", { peer: "bob", files: [{ path: "x", size: 4 }] })
  ).json;
  assert.notEqual(await put(a, `/api/uploads/${created.id}/0`, Buffer.from("too long")), 200);
  const early = await a.call("POST", `/api/uploads/${created.id}/commit`, {});
  assert.equal(early.status, 400);
  assert.equal(early.json.error.code, "ERR_BAD_UPLOAD");
  const cancel = await a.call("POST", `/api/transfers/${created.id}/cancel`, {});
  assert.equal(cancel.status, 200, cancel.text);
  assert.equal(cancel.json.state, "cancelled");
});

test("a huge upload streams to disk: the node's memory stays bounded", async () => {
  const [a] = await pairedPair();
  const size = 512 * 1024 * 1024;
  const created = (
    await a.call("POST", "/api/uploads", { peer: "bob", files: [{ path: "huge.bin", size }] })
  ).json;
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const chunks = function* () {
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
  };
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const status = await put(a, `/api/uploads/${created.id}/0`, chunks());
  clearInterval(sampler);
  assert.equal(status, 200);
  const growth = peak - before;
  assert.ok(
    growth < 128 * 1024 * 1024,
    `RSS grew by ${Math.round(growth / 1e6)} MB for a 512 MiB upload`,
  );
  await a.call("POST", `/api/transfers/${created.id}/cancel`, {});
});

test("a send to an offline peer waits and goes when it is back; a dropped link resumes", async () => {
  const [a, b0] = await pairedPair();
  await b0.call("POST", `/api/peers/${a.node.id}/settings`, { autoAccept: true });
  const { home, service } = b0;
  const port = service.port;
  await b0.close();
  await eventually(
    "b offline",
    async () => (await a.call("GET", "/api/status")).json.links.length === 0,
  );
  const dir = tempDir();
  const data = randomBytes(48 * 1024 * 1024);
  writeFileSync(join(dir, "movie.bin"), data);
  const sent = (
    await a.call("POST", "/api/transfers", { peer: "bob", paths: [join(dir, "movie.bin")] })
  ).json;
  await eventually("waiting for bob", transferOn(a, sent.id, "waiting"));

  const b = await startDaemon("bob", { home, port });
  // Cut the link once bytes flow; both nodes link again and the send resumes.
  await eventually("bytes moving", async () => {
    const { transfers } = (await a.call("GET", "/api/transfers")).json;
    return transfers.find((t: { doneBytes: number }) => t.doneBytes > 4 * 1024 * 1024);
  });
  for (const link of b.node.links()) link.destroy();
  await eventually("sent in the end", transferOn(a, sent.id, "done"), 60_000);
  const received = await eventually("received", transferOn(b, undefined, "done"));
  assert.equal(received.names[0], "movie.bin");
  assert.equal(sha(readFileSync(join(b.inbox, "movie.bin"))), sha(data));
});

test("a send waiting for a peer that is then unpaired fails at once and leaves the queue", async () => {
  const [a, b] = await pairedPair();
  await b.close();
  await eventually(
    "b offline",
    async () => (await a.call("GET", "/api/status")).json.links.length === 0,
  );
  const dir = tempDir();
  writeFileSync(join(dir, "note.txt"), "never sent\n");
  const sent = (
    await a.call("POST", "/api/transfers", { peer: "bob", paths: [join(dir, "note.txt")] })
  ).json;
  await eventually("waiting for bob", transferOn(a, sent.id, "waiting"));
  const removed = await a.call("DELETE", `/api/peers/${b.node.id}`);
  assert.equal(removed.json.removed, true);
  const failed = await eventually("failed", transferOn(a, sent.id, "failed"));
  assert.equal(failed.error.code, "ERR_UNKNOWN_PEER");
  await a.service.files.flush();
  const queue = JSON.parse(readFileSync(join(a.home, "send-queue.json"), "utf8"));
  assert.deepEqual(queue.sends, []);
});
