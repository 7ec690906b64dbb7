import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/helpers/temp.js";
import { FileLockTimeout, withFileLock } from "./file-lock.js";

test("work runs one at a time under the lock, which is gone afterwards", async () => {
  const path = join(tempDir(), "peers.json");
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 8 }, () =>
      withFileLock(path, async () => {
        most = Math.max(most, ++inside);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inside--;
      }),
    ),
  );
  assert.equal(most, 1);
  assert.equal(existsSync(`${path}.lock`), false);
});

test("a lock left by a dead process is taken over once stale; a live one makes us give up", async () => {
  const path = join(tempDir(), "peers.json");
  await mkdir(`${path}.lock`);
  await assert.rejects(
    withFileLock(path, async () => "never", { staleMs: 60_000, waitMs: 200 }),
    (err) => err instanceof FileLockTimeout && err.lockPath === `${path}.lock`,
  );
  const old = new Date(Date.now() - 120_000);
  await utimes(`${path}.lock`, old, old);
  assert.equal(
    await withFileLock(path, async () => "ran", { staleMs: 60_000, waitMs: 200 }),
    "ran",
  );
});

test("the lock is released when the work throws", async () => {
  const path = join(tempDir(), "peers.json");
  await assert.rejects(
    withFileLock(path, async () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.equal(existsSync(`${path}.lock`), false);
});
