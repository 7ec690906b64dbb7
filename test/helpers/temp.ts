import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

// Removed when the test file's process exits, not in an `after` hook: hooks
// run in the order they were added, so a folder made before a node was
// started would be removed while that node, closed by a later hook, still
// writes into it (ENOTEMPTY on a noisy machine).
process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A fresh temp folder, removed when the test file finishes. */
export function tempDir(prefix = "walkie-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
