/**
 * Chat history on disk: one append-only JSON Lines file per peer,
 * `<dir>/<device-id>.jsonl` (mode 0600), that survives restarts and is
 * never rewritten. Each line is a record:
 *
 *   {"kind":"out","id":"…","at":1700000000000,"text":"…"}   written by us (queued)
 *   {"kind":"ack","id":"…","at":1700000000100}              the peer has it (receipt)
 *   {"kind":"in","id":"…","at":1700000000000,"text":"…","rx":1700000000050}  came in
 *
 * The state (what is still to deliver, which ids came in) is the replay of
 * the file, read afresh when asked, so another process appending (a second
 * `walkie chat`, `walkie up`) is seen. A line that does not parse (a torn
 * last line after a crash) is skipped.
 */
import { writeSync } from "node:fs";
import { type FileHandle, mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";

/** One message in a conversation, either way. */
export interface ChatMessage {
  /** Unique id, chosen by the sender. */
  id: string;
  /** The peer's device ID. */
  peer: string;
  /** "out": we wrote it; "in": the peer did. */
  direction: "in" | "out";
  /** When it was written, ms since the epoch (the sender's clock). */
  at: number;
  text: string;
  /** Out: when the receipt came (undefined while undelivered). In: when it arrived. */
  deliveredAt?: number;
}

type Record =
  | { kind: "out"; id: string; at: number; text: string }
  | { kind: "in"; id: string; at: number; text: string; rx: number }
  | { kind: "ack"; id: string; at: number };

/** The replayed state of one conversation. */
export interface Conversation {
  /** Every message once, in the order they were recorded. */
  messages: ChatMessage[];
  /** Our messages without a receipt, oldest first. */
  pending: ChatMessage[];
  /** Ids of the messages that came in. */
  received: Set<string>;
}

/** Files kept open for appending (the most recently used ones). */
const MAX_OPEN_FILES = 32;

export class ChatStore {
  private dirReady: Promise<unknown> | undefined;
  /** Open append handles by path, least recently used first. */
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(readonly dir: string) {}

  /** The file of `peer`'s conversation. */
  pathOf(peer: string): string {
    if (!/^[A-Z2-7-]{1,64}$/.test(peer)) throw new RangeError(`not a device ID: ${peer}`);
    return join(this.dir, `${peer}.jsonl`);
  }

  /** Records a message we wrote (before it is sent: a crash then loses nothing). */
  addOutgoing(message: ChatMessage): Promise<void> {
    return this.append(message.peer, {
      kind: "out",
      id: message.id,
      at: message.at,
      text: message.text,
    });
  }

  /** Records a message that came in. */
  addIncoming(message: ChatMessage): Promise<void> {
    return this.append(message.peer, {
      kind: "in",
      id: message.id,
      at: message.at,
      text: message.text,
      rx: message.deliveredAt ?? Date.now(),
    });
  }

  /** Records the receipt for our message `id`. */
  addReceipt(peer: string, id: string, at: number): Promise<void> {
    return this.append(peer, { kind: "ack", id, at });
  }

  /** Replays `peer`'s conversation from disk. */
  async load(peer: string): Promise<Conversation> {
    let text: string;
    try {
      text = await readFile(this.pathOf(peer), "utf8");
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return { messages: [], pending: [], received: new Set() };
      }
      throw err;
    }
    const byId = new Map<string, ChatMessage>();
    const received = new Set<string>();
    const acked = new Map<string, number>();
    for (const line of text.split("\n")) {
      const record = parse(line);
      if (record === undefined) continue;
      if (record.kind === "ack") {
        if (!acked.has(record.id)) acked.set(record.id, record.at);
        continue;
      }
      const key = `${record.kind}:${record.id}`;
      if (byId.has(key)) continue;
      if (record.kind === "in") received.add(record.id);
      byId.set(key, {
        id: record.id,
        peer,
        direction: record.kind,
        at: record.at,
        text: record.text,
        deliveredAt: record.kind === "in" ? record.rx : undefined,
      });
    }
    const messages = [...byId.values()];
    for (const message of messages) {
      if (message.direction === "out") message.deliveredAt = acked.get(message.id);
    }
    const pending = messages.filter((m) => m.direction === "out" && m.deliveredAt === undefined);
    return { messages, pending, received };
  }

  /** Closes the files kept open. */
  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (handle) => (await handle).close().catch(() => {})));
  }

  private async append(peer: string, record: Record): Promise<void> {
    const handle = await this.handleFor(this.pathOf(peer));
    // One write of one whole line to a file opened for appending (O_APPEND):
    // concurrent writers, in this process or another, interleave whole lines.
    // Written synchronously: a line to the page cache takes microseconds,
    // while a trip through the thread pool and back cost a message several
    // milliseconds on a busy machine (chat p99 under load: 85 -> 18 ms).
    writeSync(handle.fd, `${JSON.stringify(record)}\n`);
  }

  private handleFor(path: string): Promise<FileHandle> {
    let handle = this.handles.get(path);
    if (handle !== undefined) {
      this.handles.delete(path);
      this.handles.set(path, handle);
      return handle;
    }
    this.dirReady ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    handle = this.dirReady.then(() => open(path, "a", 0o600));
    handle.catch(() => this.handles.delete(path));
    this.handles.set(path, handle);
    if (this.handles.size > MAX_OPEN_FILES) {
      const [oldest, old] = this.handles.entries().next().value as [string, Promise<FileHandle>];
      this.handles.delete(oldest);
      // Writes already started on it finish first: FileHandle.close waits for them.
      void old.then((h) => h.close()).catch(() => {});
    }
    return handle;
  }
}

function parse(line: string): Record | undefined {
  if (line.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as { [key: string]: unknown };
  if (typeof r.id !== "string" || typeof r.at !== "number") return undefined;
  if (r.kind === "ack") return { kind: "ack", id: r.id, at: r.at };
  if (typeof r.text !== "string") return undefined;
  if (r.kind === "out") return { kind: "out", id: r.id, at: r.at, text: r.text };
  if (r.kind === "in") {
    return {
      kind: "in",
      id: r.id,
      at: r.at,
      text: r.text,
      rx: typeof r.rx === "number" ? r.rx : r.at,
    };
  }
  return undefined;
}
