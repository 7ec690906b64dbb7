/**
 * The receiver's resume journal: a hidden NDJSON file in the target folder,
 * `.walkie-<key>.resume`, where the key names the sender and the offer's top
 * names. It records where each top name went (`photos` may have become
 * `photos (1)`) and which files are complete (path, size, mtime). Running
 * the same transfer again finds it and continues; a finished transfer
 * removes it. It is local state, never sent.
 */
import { createHash } from "node:crypto";
import { appendFile, open, unlink } from "node:fs/promises";
import { join } from "node:path";

interface Header {
  v: 1;
  sender: string;
  roots: Record<string, string>;
}

export interface DoneRecord {
  done: string;
  size: number;
  mtime: number;
}

/** Journal lines over this are ignored (a damaged journal only costs a resend). */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/** The journal key of a transfer: the sender and its top names. */
export function journalKey(senderId: string, roots: readonly string[]): string {
  const hash = createHash("sha256").update("walkie-files/1\0").update(senderId);
  for (const root of [...roots].sort()) hash.update("\0").update(root);
  return hash.digest("hex").slice(0, 16);
}

export class ResumeJournal {
  /** Top name -> the name it has in the target folder, from an earlier run. */
  readonly roots = new Map<string, string>();
  /** Complete files from earlier runs, by path. */
  readonly done = new Map<string, DoneRecord>();
  private appending: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly exists: boolean,
  ) {}

  /** Reads the journal of `key` in `dir`, if there is one. */
  static async load(dir: string, key: string, senderId: string): Promise<ResumeJournal> {
    const path = join(dir, `.walkie-${key}.resume`);
    let text: string;
    try {
      const handle = await open(path, "r");
      try {
        const { size } = await handle.stat();
        if (size > MAX_JOURNAL_BYTES) return new ResumeJournal(path, false);
        text = await handle.readFile("utf8");
      } finally {
        await handle.close();
      }
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return new ResumeJournal(path, false);
      throw err;
    }
    const journal = new ResumeJournal(path, true);
    const lines = text.split("\n");
    try {
      const header = JSON.parse(lines[0] ?? "") as Header;
      if (header.v !== 1 || header.sender !== senderId) return new ResumeJournal(path, false);
      for (const [from, to] of Object.entries(header.roots)) journal.roots.set(from, to);
    } catch {
      return new ResumeJournal(path, false); // unreadable: start afresh
    }
    for (const line of lines.slice(1)) {
      if (line === "") continue;
      try {
        const record = JSON.parse(line) as DoneRecord;
        if (typeof record.done === "string") journal.done.set(record.done, record);
      } catch {
        // A line cut short by a crash: the files after it are sent again.
      }
    }
    return journal;
  }

  /** Writes the header (durably) before anything else of the transfer touches the disk. */
  async begin(senderId: string, roots: ReadonlyMap<string, string>): Promise<void> {
    const header: Header = { v: 1, sender: senderId, roots: Object.fromEntries(roots) };
    const lines = [
      JSON.stringify(header),
      ...[...this.done.values()].map((r) => JSON.stringify(r)),
    ];
    const handle = await open(this.path, "w", 0o600);
    try {
      await handle.writeFile(`${lines.join("\n")}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Appends complete files; appends run one after another. */
  appendDone(records: readonly DoneRecord[]): Promise<void> {
    if (records.length === 0) return this.appending;
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join("");
    this.appending = this.appending.then(() => appendFile(this.path, text));
    return this.appending;
  }

  /** Removes the journal once the transfer is complete. */
  async remove(): Promise<void> {
    await this.appending.catch(() => {});
    await unlink(this.path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    });
  }
}
