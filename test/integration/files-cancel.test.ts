// Either side cancels a transfer under way, over a real TCP link: the other
// side is told why (ERR_CANCELLED, naming who stopped), both links live on,
// and no final file appears where a person would take it for complete.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import {
  FILES_SERVICE,
  FilesReceiver,
  hasCode,
  type ReceiveTransfer,
  sendFiles,
  streamSource,
} from "../../src/index.js";
import { withDeadline } from "../helpers/cli.js";
import { twoNodes } from "../helpers/linked-nodes.js";
import { tempDir } from "../helpers/temp.js";

async function transferUnderWay() {
  const [alice, bob] = await twoNodes();
  const out = tempDir();
  const receiver = new FilesReceiver({ outDir: out, decide: async () => true });
  bob.handle(FILES_SERVICE, receiver.handler);
  const listener = await bob.listen({ host: "127.0.0.1", port: 0, allow: [alice.id] });
  const link = await alice.dial({ host: "127.0.0.1", port: listener.port, peer: bob.id });
  const source = new PassThrough();
  const sending = sendFiles(link, streamSource(source, "live.bin"));
  const [receiving] = (await once(receiver, "transfer")) as [ReceiveTransfer];
  await once(sending, "accepted");
  // Some data has landed, more is to come: the transfer is under way.
  source.write(randomBytes(256 * 1024));
  while (receiving.progress().doneBytes === 0)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return { link, out, source, sending, receiving };
}

test("the receiver cancels: the sender hears ERR_CANCELLED and no file is left as complete", async () => {
  const { link, out, sending, receiving } = await transferUnderWay();
  sending.result.catch(() => {});
  receiving.result.catch(() => {});
  await receiving.cancel();
  await assert.rejects(withDeadline(receiving.result, "receiver result"), (err) =>
    hasCode(err, "ERR_CANCELLED"),
  );
  await assert.rejects(withDeadline(sending.result, "sender result"), (err: Error) => {
    assert.ok(hasCode(err, "ERR_CANCELLED"), String(err));
    assert.match(err.message, /receiver/);
    return true;
  });
  assert.ok(!readdirSync(out).includes("live.bin"), "a cancelled file must not look complete");
  assert.equal(link.closed, false);
  assert.equal(typeof (await link.ping()), "number");
});

test("the sender cancels: the receiver hears ERR_CANCELLED", async () => {
  const { link, out, sending, receiving } = await transferUnderWay();
  sending.result.catch(() => {});
  receiving.result.catch(() => {});
  sending.cancel();
  await assert.rejects(withDeadline(receiving.result, "receiver result"), (err) =>
    hasCode(err, "ERR_CANCELLED"),
  );
  assert.ok(!readdirSync(out).includes("live.bin"));
  assert.equal(link.closed, false);
});
