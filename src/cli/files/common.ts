/**
 * What `walkie send` and `walkie receive` share: the offer in words, and the
 * yes/no question.
 */
import { createInterface } from "node:readline";
import type { ReceiveTransfer, Transfer } from "../../index.js";
import type { Reporter } from "../output.js";
import { formatBytes, plural } from "./format.js";

/** One line naming what is offered, e.g. `3 files and 1 folder, 12 MiB: photos, notes.txt`. */
export function describeOffer(transfer: Transfer): string {
  if (transfer.text !== undefined) return `a text of ${plural(transfer.text.length, "character")}`;
  const s = transfer.summary!;
  const parts = [plural(s.files, "file")];
  if (s.dirs > 0) parts.push(plural(s.dirs, "folder"));
  if (s.links > 0) parts.push(plural(s.links, "link"));
  const size = s.unknownSize ? "size unknown" : formatBytes(s.bytes);
  const names =
    s.roots.slice(0, 5).join(", ") + (s.roots.length > 5 ? `, … (${s.roots.length} in all)` : "");
  return `${parts.join(", ")}, ${size}: ${names}`;
}

/** Reports the offer a receiver got: the `offer` event, or lines for a person. */
export function reportOffer(transfer: ReceiveTransfer, reporter: Reporter): void {
  const s = transfer.summary!;
  const plan = transfer.plan;
  const renamed = plan === undefined ? [] : [...plan.roots].filter(([from, to]) => from !== to);
  reporter.event(
    "offer",
    {
      from: { id: transfer.peer.id, name: transfer.peer.name },
      files: s.files,
      dirs: s.dirs,
      links: s.links,
      bytes: s.bytes,
      names: s.roots.slice(0, 100),
      text: transfer.text !== undefined,
      resumedBytes: transfer.resumedBytes,
      savedAs: Object.fromEntries(renamed),
    },
    `${transfer.peer.name} (${transfer.peer.id}) offers ${describeOffer(transfer)}`,
  );
  if (transfer.resumedBytes > 0) {
    reporter.event(
      "resume",
      {},
      `  ${formatBytes(transfer.resumedBytes)} of it are already here from an earlier try: resuming`,
    );
  }
  for (const [from, to] of renamed)
    reporter.event("rename", {}, `  ${from} exists here: saving as ${to}`);
}

/** Asks on stderr and reads one line from stdin; no answer (EOF) is no. */
export function askYesNo(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({
      input: process.stdin,
      output: process.stderr,
      terminal: process.stdin.isTTY,
    });
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      if (!process.stdin.isTTY) process.stderr.write("\n"); // nothing echoed the newline
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
    rl.once("close", () => {
      if (answered) return;
      process.stderr.write("\n");
      resolve(false);
    });
  });
}
