/**
 * The files benchmark's data, made fresh in the run's scratch folder: a
 * 1 GiB file of pseudo-random bytes (AES-CTR keystream, fast to make and
 * incompressible), a 4 GiB sparse file (for peak memory only: its content
 * does not matter), and 10,000 files of 4 KiB in 10 x 10 nested folders.
 */
import { createCipheriv } from "node:crypto";
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

const MiB = 1024 * 1024;

export function randomFile(path, size) {
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  const fd = openSync(path, "w");
  try {
    for (let left = size; left > 0; left -= MiB) {
      writeSync(fd, cipher.update(left >= MiB ? zeros : zeros.subarray(0, left)));
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

export function sparseFile(path, size) {
  const fd = openSync(path, "w");
  ftruncateSync(fd, size);
  closeSync(fd);
  return path;
}

/** `count` files of `size` bytes under `root`/tree/dNN/eNN/, 100 per folder. */
export function fileTree(root, count, size) {
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 9), Buffer.alloc(16));
  const zeros = Buffer.alloc(size);
  const top = join(root, "tree");
  for (let i = 0; i < count; i++) {
    const dir = join(top, `d${Math.floor(i / 1000)}`, `e${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i % 100}.bin`), cipher.update(zeros));
  }
  return top;
}
