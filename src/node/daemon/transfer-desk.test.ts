import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { sampleQueuedSend } from "../../../test/helpers/queued-send.js";
import { tempDir } from "../../../test/helpers/temp.js";
import type { Link } from "../../link/index.js";
import { EntryKind } from "../../services/files/index.js";
import { SendQueue } from "./send-queue.js";
import { TransferDesk } from "./transfer-desk.js";

test("a restored send cancelled while its files are checked again stays cancelled, on disk too", async () => {
  const home = tempDir();
  const file = join(home, "movie.bin");
  writeFileSync(file, "0123456789");
  const queue = new SendQueue(home, (err) => assert.fail(String(err)));
  const desk = new TransferDesk({
    queue,
    inbox: join(home, "inbox"),
    autoAccept: () => false,
    isPaired: async () => true,
    linkFor: () => undefined as Link | undefined,
    settleMs: 0,
  });
  const id = sampleQueuedSend(home).id;
  desk.restore(
    sampleQueuedSend(home, {
      paths: [file],
      createdAt: Date.now(),
      staging: null,
      source: [["movie.bin", EntryKind.File, 10, Math.round(statSync(file).mtimeMs)]],
    }),
  );
  await queue.flush();
  desk.peerOnline("PEER"); // its resend runs on the next timer, and reads the files again
  await new Promise<void>((resolve) =>
    setTimeout(() => {
      assert.equal(desk.cancel(id), true); // while that read is under way
      resolve();
    }, 0),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  await queue.flush();
  assert.equal(desk.get(id)?.view.state, "cancelled");
  const path = join(home, "send-queue.json");
  const onDisk = existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as { sends: unknown[] }).sends
    : [];
  assert.deepEqual(onDisk, []);
});
