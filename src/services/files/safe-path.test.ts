import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../../test/helpers/temp.js";
import { hasCode } from "../../errors.js";
import { checkEntryPaths, checkNoSymlinkOnPath, checkRelativePath } from "./safe-path.js";

function refused(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => hasCode(err, "ERR_UNSAFE_PATH"));
}

test("ordinary relative paths pass", () => {
  for (const path of [
    "a",
    "a.txt",
    "photos/2024/IMG 1.jpg",
    ".hidden",
    "a..b",
    "é/ü",
    "...",
    "日本/語",
  ]) {
    checkRelativePath(path, { windows: false });
  }
});

test("dot-dot, absolute, drive, empty and backslash paths are refused", () => {
  for (const path of [
    "..",
    "../x",
    "a/../b",
    "a/..",
    ".",
    "./a",
    "/etc/passwd",
    "//x",
    "C:",
    "c:/x",
    "C:x",
    "",
    "a//b",
    "a/",
    "a\\..\\b",
    "\\\\server\\x",
  ]) {
    refused(() => checkRelativePath(path, { windows: false }));
  }
});

test("NUL and control characters are refused", () => {
  for (const path of ["a\u0000b", "a\nb", "tab\there", "bell\u0007", "del\u007f", "c1\u0085"]) {
    refused(() => checkRelativePath(path, { windows: false }));
  }
});

test("over-long paths and components are refused", () => {
  refused(() => checkRelativePath("a".repeat(256), { windows: false }));
  refused(() => checkRelativePath(Array(2100).fill("ab").join("/"), { windows: false }));
  checkRelativePath("a".repeat(255), { windows: false });
});

test("names Windows cannot store are refused on Windows only", () => {
  for (const path of ["con", "NUL.txt", "a/com1", "what?", "a:b", "trailing.", "space "]) {
    refused(() => checkRelativePath(path, { windows: true }));
    if (!/:/.test(path)) checkRelativePath(path, { windows: false });
  }
});

test("two entries equal after Unicode normalization are refused", () => {
  const composed = "caf\u00e9.txt";
  const decomposed = "cafe\u0301.txt";
  refused(() =>
    checkEntryPaths([
      { path: composed, isDir: false },
      { path: decomposed, isDir: false },
    ]),
  );
  refused(() =>
    checkEntryPaths([
      { path: "a", isDir: true },
      { path: "a", isDir: true },
    ]),
  );
});

test("an entry inside a file or a link is refused", () => {
  refused(() =>
    checkEntryPaths([
      { path: "a", isDir: false },
      { path: "a/b", isDir: false },
    ]),
  );
  refused(() =>
    checkEntryPaths([
      { path: "a/b/c", isDir: false },
      { path: "a/b", isDir: false },
    ]),
  );
  refused(() =>
    checkEntryPaths([
      { path: "d/l", isDir: false, target: "x" },
      { path: "d/l/f", isDir: false },
    ]),
  );
  // Composed and decomposed spellings cannot sneak past the check either.
  refused(() =>
    checkEntryPaths([
      { path: "caf\u00e9", isDir: false },
      { path: "cafe\u0301/x", isDir: false },
    ]),
  );
  checkEntryPaths([
    { path: "a", isDir: true },
    { path: "a/b", isDir: false },
    { path: "a/c/d", isDir: false },
  ]);
});

test("link targets must be relative and stay inside their top folder", () => {
  checkEntryPaths([{ path: "top/sub/l", isDir: false, target: "../other" }]);
  checkEntryPaths([{ path: "top/l", isDir: false, target: "." }]);
  for (const target of ["/etc/passwd", "../../etc", "../", "C:/x", "a\\b", "", "x\u0000"]) {
    refused(() => checkEntryPaths([{ path: "top/l", isDir: false, target }]));
  }
  refused(() => checkEntryPaths([{ path: "l", isDir: false, target: "anything" }]));
});

test("a symbolic link on the way into the target folder is refused", async () => {
  const root = tempDir();
  const outside = tempDir();
  mkdirSync(join(root, "real/inner"), { recursive: true });
  symlinkSync(outside, join(root, "evil"));
  symlinkSync(outside, join(root, "real/inner/deep"));
  await checkNoSymlinkOnPath(root, "real/inner/file");
  await checkNoSymlinkOnPath(root, "missing/x/y");
  await checkNoSymlinkOnPath(root, "evil"); // the entry itself is replaced, never followed
  await assert.rejects(checkNoSymlinkOnPath(root, "evil/passwd"), (err) =>
    hasCode(err, "ERR_UNSAFE_PATH"),
  );
  await assert.rejects(checkNoSymlinkOnPath(root, "real/inner/deep/x"), (err) =>
    hasCode(err, "ERR_UNSAFE_PATH"),
  );
});
