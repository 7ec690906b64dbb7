import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../../test/helpers/temp.js";
import { hasCode } from "../../errors.js";
import { readPartPrefix } from "./part-file.js";
import { PartWriter } from "./part-writer.js";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest();

/** Feeds `data` in pieces of odd sizes, awaiting the writer as a data stream does. */
async function feed(writer: PartWriter, data: Buffer): Promise<void> {
  const sizes = [1, 4095, 16_383, 65_536, 1_048_576, 777];
  for (let at = 0, i = 0; at < data.length; i++) {
    const piece = data.subarray(at, at + sizes[i % sizes.length]!);
    at += piece.length;
    await writer.write(Buffer.from(piece)); // a copy the test then spoils: the writer must copy
  }
}

test("a file written in odd pieces arrives whole, with its exact length", async () => {
  const data = randomBytes(5 * 1024 * 1024 + 1234);
  const part = join(tempDir(), "a.bin.part");
  const writer = await PartWriter.open(part, 0);
  await feed(writer, data);
  const { handle, sha256: digest } = await writer.complete(sha256(data));
  await handle.close();
  assert.deepEqual(digest, sha256(data));
  assert.equal(statSync(part).size, data.length);
  assert.deepEqual(readFileSync(part), data);
});

test("a transfer abandoned at an unaligned length continues from there", async () => {
  const data = randomBytes(3 * 1024 * 1024 + 99);
  const part = join(tempDir(), "b.bin.part");
  const first = await PartWriter.open(part, 0);
  await feed(first, data.subarray(0, 2 * 1024 * 1024 + 4097));
  await first.abandon(true);
  assert.equal(statSync(part).size, 2 * 1024 * 1024 + 4097, "no padding is left behind");
  const prefix = await readPartPrefix(part, data.length);
  assert.equal(prefix?.offset, 2 * 1024 * 1024 + 4097);
  const second = await PartWriter.open(part, prefix!.offset, prefix!.hash);
  await feed(second, data.subarray(prefix!.offset));
  const { handle } = await second.complete(sha256(data));
  await handle.close();
  assert.deepEqual(readFileSync(part), data);
});

test("a hash that does not match removes the .part", async () => {
  const part = join(tempDir(), "c.bin.part");
  const writer = await PartWriter.open(part, 0);
  await feed(writer, randomBytes(3 * 1024 * 1024));
  await assert.rejects(writer.complete(Buffer.alloc(32)), (err) =>
    hasCode(err, "ERR_HASH_MISMATCH"),
  );
  assert.throws(() => statSync(part), { code: "ENOENT" });
});

test("a stream that pauses still reaches the disk (whole blocks)", async () => {
  const part = join(tempDir(), "d.bin.part");
  writeFileSync(part, "");
  const writer = await PartWriter.open(part, 0);
  await writer.write(randomBytes(100_000));
  let size = 0;
  for (let i = 0; i < 100 && size === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    size = statSync(part).size;
  }
  assert.equal(size, 100_000 - (100_000 % 4096));
  await writer.abandon(false);
});
