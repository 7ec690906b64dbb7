// A full disk, on a small tmpfs mounted for the test (needs root; skipped
// with a message where mounting is not allowed): an offer larger than the
// free space is refused before anything is written, and a stream that
// fills the disk ends both sides with ERR_DISK_FULL and no final file.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { makeIdentity } from "../helpers/cli.js";
import { startReceive, startSend } from "../helpers/files.js";
import { tempDir } from "../helpers/temp.js";

/** A fresh 8 MiB tmpfs, or the reason there is none. */
function smallDisk(): string | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), "walkie-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", dir], { stdio: "pipe" });
  } catch (err: unknown) {
    const reason = String((err as { stderr?: Buffer }).stderr ?? err).trim();
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here (needs root): ${reason.split("\n")[0]}` };
  }
  after(() => {
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

// mDNS off: nothing leaves loopback (the LAN test below turns it on for itself).
process.env.WALKIE_DISCOVERY = "off";

const alice = await makeIdentity();
const bob = await makeIdentity();

test("an offer larger than the free space is refused with ERR_NO_SPACE", async (t) => {
  const disk = smallDisk();
  if (typeof disk !== "string") return t.skip(disk.skip);
  const src = join(tempDir("walkie-disk-src-"), "big.bin");
  writeFileSync(src, randomBytes(16 * 1024 * 1024));
  const send = await startSend(alice, [src]);
  const receive = startReceive(bob, send.code, send.port, ["--out", disk, "--yes"]);
  await Promise.all([send.proc.expectExit(1), receive.expectExit(1)]);
  assert.equal(receive.errorCode(), "ERR_NO_SPACE");
  assert.equal(send.proc.errorCode(), "ERR_NO_SPACE");
  assert.deepEqual(readdirSync(disk), []);
});

test("a stream that fills the disk ends with ERR_DISK_FULL and no file", async (t) => {
  const disk = smallDisk();
  if (typeof disk !== "string") return t.skip(disk.skip);
  const send = await startSend(alice, ["-", "--name", "dump.bin"]);
  const feeding = send.proc.feed(randomBytes(16 * 1024 * 1024));
  const receive = startReceive(bob, send.code, send.port, ["--out", disk, "--yes"]);
  await Promise.all([send.proc.expectExit(1), receive.expectExit(1)]);
  await feeding;
  const both = `receiver:\n${receive.stderr}\nsender:\n${send.proc.stderr}`;
  assert.equal(receive.errorCode(), "ERR_DISK_FULL", both);
  assert.equal(send.proc.errorCode(), "ERR_DISK_FULL", both);
  // Nothing that looks complete; a stream cannot be resumed, so no .part either.
  assert.deepEqual(
    readdirSync(disk).filter((name) => !name.startsWith(".walkie-")),
    [],
  );
});
