import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { sampleQueuedSend as sample } from "../../../test/helpers/queued-send.js";
import { tempDir } from "../../../test/helpers/temp.js";
import { EntryKind } from "../../services/files/index.js";
import { SEND_QUEUE_FILE, SendQueue } from "./send-queue.js";
import { sourceChange } from "./source-check.js";

const noWriteErrors = (err: unknown) => assert.fail(String(err));

test("queued sends are written 0600 and read back; removed ones are gone", async () => {
  const home = tempDir();
  const queue = new SendQueue(home, noWriteErrors);
  const first = sample(home);
  const second = sample(home, { id: "fedcba9876543210", staging: null });
  await Promise.all([queue.put(first), queue.put(second)]);
  if (process.platform !== "win32") {
    assert.equal(statSync(join(home, SEND_QUEUE_FILE)).mode & 0o777, 0o600);
  }
  const again = await new SendQueue(home, noWriteErrors).load();
  assert.deepEqual(again, { sends: [first, second], problems: [] });
  await queue.remove(first.id);
  assert.deepEqual((await new SendQueue(home, noWriteErrors).load()).sends, [second]);
  assert.deepEqual(
    readdirSync(home).filter((name) => name.endsWith(".tmp")),
    [],
    "no temporary file left",
  );
});

test("no queue file is an empty queue, without a problem", async () => {
  assert.deepEqual(await new SendQueue(tempDir(), noWriteErrors).load(), {
    sends: [],
    problems: [],
  });
});

test("a queue file that is not JSON is moved aside and reported as ERR_SEND_QUEUE_CORRUPT", async () => {
  const home = tempDir();
  writeFileSync(join(home, SEND_QUEUE_FILE), '{"version":1,"sends":[{"id":');
  const loaded = await new SendQueue(home, noWriteErrors).load();
  assert.deepEqual(loaded.sends, []);
  assert.equal(loaded.problems.length, 1);
  assert.equal(loaded.problems[0]!.code, "ERR_SEND_QUEUE_CORRUPT");
  const aside = readdirSync(home).filter((name) => name.startsWith(`${SEND_QUEUE_FILE}.corrupt-`));
  assert.equal(aside.length, 1);
  assert.equal(readFileSync(join(home, aside[0]!), "utf8"), '{"version":1,"sends":[{"id":');
  assert.match(loaded.problems[0]!.message, new RegExp(aside[0]!.replace(/\./g, "\\.")));
});

test("a queue of another version is moved aside, not misread", async () => {
  const home = tempDir();
  writeFileSync(join(home, SEND_QUEUE_FILE), JSON.stringify({ version: 9, sends: [] }));
  const loaded = await new SendQueue(home, noWriteErrors).load();
  assert.equal(loaded.problems[0]?.code, "ERR_SEND_QUEUE_CORRUPT");
  assert.equal(readdirSync(home).filter((name) => name.includes(".corrupt-")).length, 1);
});

test("malformed entries are left out and reported; the good ones load; the file is copied aside", async () => {
  const home = tempDir();
  const good = sample(home);
  const bad = [
    { ...sample(home), id: "not-hex" },
    { ...sample(home), paths: ["relative/path"] },
    // A staging folder outside the outbox is never trusted (it would be removed).
    { ...sample(home), staging: home },
    { ...sample(home), staging: join(home, "outbox", "..") },
    { ...sample(home), source: [["a", 7, 1, 1]] },
    null,
  ];
  writeFileSync(join(home, SEND_QUEUE_FILE), JSON.stringify({ version: 1, sends: [good, ...bad] }));
  const loaded = await new SendQueue(home, noWriteErrors).load();
  assert.deepEqual(loaded.sends, [good]);
  assert.equal(loaded.problems.length, 1);
  assert.equal(loaded.problems[0]!.code, "ERR_SEND_QUEUE_CORRUPT");
  assert.match(loaded.problems[0]!.message, /6 of 7 queued sends/);
  assert.equal(readdirSync(home).filter((name) => name.includes(".corrupt-")).length, 1);
});

test("a write that fails is reported as ERR_SEND_QUEUE_WRITE, not thrown", async () => {
  const errors: unknown[] = [];
  const queue = new SendQueue(join(tempDir(), "missing", "home"), (err) => errors.push(err));
  await queue.put(sample("/x"));
  assert.equal((errors[0] as { code?: string }).code, "ERR_SEND_QUEUE_WRITE");
});

test("a source that changed, vanished or grew since it was queued is ERR_SOURCE_CHANGED", () => {
  const entry = (path: string, size: number, mtimeMs = 1) => ({
    path,
    kind: EntryKind.File,
    size,
    mode: 0o644,
    mtimeMs,
  });
  const dir = { path: "d", kind: EntryKind.Dir, size: 0, mode: 0o755, mtimeMs: 5 };
  const before: Parameters<typeof sourceChange>[0] = [
    ["d", EntryKind.Dir, 0, 1],
    ["d/a", EntryKind.File, 3, 1],
  ];
  assert.equal(
    sourceChange(before, [dir, entry("d/a", 3)]),
    undefined,
    "a folder's mtime is not compared",
  );
  assert.equal(sourceChange(before, [dir, entry("d/a", 4)])?.code, "ERR_SOURCE_CHANGED");
  assert.equal(sourceChange(before, [dir, entry("d/a", 3, 2)])?.code, "ERR_SOURCE_CHANGED");
  assert.equal(sourceChange(before, [dir])?.code, "ERR_SOURCE_CHANGED");
  assert.match(sourceChange(before, [dir])!.message, /d\/a is gone/);
  const added = sourceChange(before, [dir, entry("d/a", 3), entry("d/b", 1)]);
  assert.match(added!.message, /d\/b was added/);
});
