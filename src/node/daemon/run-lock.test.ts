import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../../test/helpers/temp.js";
import { hasCode } from "../../errors.js";
import { acquireRunLock, RUN_FILE, readRunInfo } from "./run-lock.js";

const self = { id: "AAAAAAAAA-AAAAAAAAA-AAAAAAAAA-AAAAAAAAA", name: "test" };

test("the run file is 0600, readable while held, and gone once released", async () => {
  const home = tempDir();
  const lock = await acquireRunLock(home, self);
  await lock.update({ control: "http://127.0.0.1:1234", token: "secret", port: 4321 });
  const path = join(home, RUN_FILE);
  if (process.platform !== "win32") assert.equal(statSync(path).mode & 0o777, 0o600);
  const info = await readRunInfo(home);
  assert.equal(info?.pid, process.pid);
  assert.equal(info?.control, "http://127.0.0.1:1234");
  assert.equal(info?.token, "secret");
  await lock.release();
  assert.equal(await readRunInfo(home), undefined);
});

test("a second node with the same home fails with ERR_ALREADY_RUNNING naming the control address", async () => {
  const home = tempDir();
  const lock = await acquireRunLock(home, self);
  await lock.update({ control: "http://127.0.0.1:1234" });
  await assert.rejects(acquireRunLock(home, self), (err: unknown) => {
    assert.ok(hasCode(err, "ERR_ALREADY_RUNNING"));
    assert.match((err as Error).message, /http:\/\/127\.0\.0\.1:1234/);
    return true;
  });
  await lock.release();
  const again = await acquireRunLock(home, self);
  await again.release();
});

test("a run file left by a process that died is stale and replaced", async () => {
  const home = tempDir();
  // A pid that surely ran and exited.
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
  const stale = { pid: dead, startedAt: new Date().toISOString(), ...self };
  writeFileSync(join(home, RUN_FILE), JSON.stringify(stale), { mode: 0o600 });
  assert.equal(await readRunInfo(home), undefined);
  const lock = await acquireRunLock(home, self);
  assert.equal(lock.info.pid, process.pid);
  await lock.release();
});

test("a damaged run file is not a lock", async () => {
  const home = tempDir();
  writeFileSync(join(home, RUN_FILE), "{not json");
  const lock = await acquireRunLock(home, self);
  await lock.release();
});
