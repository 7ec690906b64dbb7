import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../../test/helpers/temp.js";
import { hasCode } from "../../errors.js";
import { journalKey, ResumeJournal } from "./journal.js";
import { EntryKind, type ManifestEntry, type Offer } from "./manifest.js";
import { numbered, planReceive } from "./plan.js";

const file = (path: string, size = 3): ManifestEntry => ({
  path,
  kind: EntryKind.File,
  size,
  mode: 0o644,
  mtimeMs: 1000,
});
const dir = (path: string): ManifestEntry => ({
  path,
  kind: EntryKind.Dir,
  size: 0,
  mode: 0o755,
  mtimeMs: 1000,
});
const offer = (entries: ManifestEntry[]): Offer => ({ id: Buffer.alloc(16), entries });

test("clashing names are numbered before the extension", () => {
  assert.equal(numbered("report.pdf", 1), "report (1).pdf");
  assert.equal(numbered("backup.tar.gz", 2), "backup (2).tar.gz");
  assert.equal(numbered(".bashrc", 1), ".bashrc (1)");
  assert.equal(numbered("README", 3), "README (3)");
  assert.equal(numbered("photos.2024", 1, true), "photos.2024 (1)");
});

test("a top name that exists, or whose .part exists, gets the next free number", async () => {
  const out = tempDir();
  writeFileSync(join(out, "a.txt"), "old");
  writeFileSync(join(out, "a (1).txt.part"), "someone else's");
  mkdirSync(join(out, "photos"));
  const plan = await planReceive(
    offer([file("a.txt"), dir("photos"), file("photos/x.jpg")]),
    "ID",
    { outDir: out, overwrite: false },
  );
  assert.deepEqual(plan.savedAs, ["a (2).txt", "photos (1)", "photos (1)/x.jpg"]);
  assert.equal(plan.neededBytes, 6);
  assert.ok(plan.freeBytes === undefined || plan.freeBytes > 0);
});

test("with overwrite the names stay, but a symbolic link on the way is refused", async () => {
  const out = tempDir();
  symlinkSync(tempDir(), join(out, "photos"));
  await assert.rejects(
    planReceive(offer([dir("photos"), file("photos/x.jpg")]), "ID", {
      outDir: out,
      overwrite: true,
    }),
    (err) => hasCode(err, "ERR_UNSAFE_PATH"),
  );
  const plan = await planReceive(offer([file("photos")]), "ID", { outDir: out, overwrite: true });
  assert.deepEqual(plan.savedAs, ["photos"]); // replaced by rename, never followed
});

test("a journal brings back the names, the complete files and the .part prefixes", async () => {
  const out = tempDir();
  const entries = [dir("d"), file("d/done.txt", 4), file("d/half.bin", 10), file("d/new.bin", 5)];
  const roots = ["d"];
  const journal = await ResumeJournal.load(out, journalKey("SENDER", roots), "SENDER");
  assert.equal(journal.exists, false);
  await journal.begin("SENDER", new Map([["d", "d (1)"]]));
  mkdirSync(join(out, "d (1)"));
  writeFileSync(join(out, "d (1)/done.txt"), "done");
  await journal.appendDone([{ done: "d/done.txt", size: 4, mtime: 1000 }]);
  writeFileSync(join(out, "d (1)/half.bin.part"), "halfw");
  const plan = await planReceive(offer(entries), "SENDER", { outDir: out, overwrite: false });
  assert.equal(plan.roots.get("d"), "d (1)");
  assert.deepEqual([...plan.done], [1]);
  assert.equal(plan.have.length, 1);
  assert.equal(plan.have[0]?.index, 2);
  assert.equal(plan.have[0]?.offset, 5);
  assert.equal(plan.neededBytes, 5 + 5);
  // Another sender with the same names has another journal.
  const other = await planReceive(offer(entries), "OTHER", { outDir: out, overwrite: false });
  assert.equal(other.roots.get("d"), "d");
  assert.equal(other.have.length, 0);
});
