/**
 * The sends a node still owes its peers, kept on disk so that they outlive
 * a restart: `<home>/send-queue.json` (mode 0600, written atomically) lists
 * every outgoing send that waits for its peer or was cut off, with the
 * local paths, the options, when it was made, and what the files were when
 * it was queued (so a file that changed since fails that send rather than
 * sending something else). Done and cancelled sends leave the file. A file
 * that cannot be read back is moved aside and reported, never lost in
 * silence.
 */
import { copyFile, readFile, rename } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import { ConfigError } from "../../errors.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { isSourceEntry, type SourceEntry } from "./source-check.js";
import type { Outgoing } from "./transfer-desk.js";
import { TransferRecord, type TransferView } from "./transfer-record.js";

export const SEND_QUEUE_FILE = "send-queue.json";
const VERSION = 1;

/** One send as it is kept. */
export interface QueuedSend {
  /** The transfer's id (the faces keep showing the same row). */
  id: string;
  peerId: string;
  peerName: string;
  /** Absolute local paths offered. */
  paths: string[];
  options: { links: boolean };
  /** When the send was made, ms since the epoch. */
  createdAt: number;
  /** Its state when last written ("waiting", "offered" or "active"). */
  state: string;
  attempts: number;
  names: string[];
  files: number;
  totalBytes: number | null;
  doneBytes: number;
  /** An upload's staging folder under `<home>/outbox/`, removed when the send is over. */
  staging: string | null;
  /** What the files were when the send was queued. */
  source: SourceEntry[];
}

export interface LoadedQueue {
  sends: QueuedSend[];
  /** What could not be read back (ERR_SEND_QUEUE_CORRUPT), to report. */
  problems: ConfigError[];
}

export class SendQueue {
  readonly path: string;
  private readonly outboxRoot: string;
  private readonly sends = new Map<string, QueuedSend>();
  private dirty = false;
  private writing: Promise<void> | undefined;

  /** @param onError hears a write that failed (the queue is then only in memory until the next write) */
  constructor(
    home: string,
    private readonly onError: (err: ConfigError) => void,
  ) {
    this.path = join(home, SEND_QUEUE_FILE);
    this.outboxRoot = join(home, "outbox");
  }

  /**
   * Reads the file back. A file that is not JSON of the right shape is moved
   * aside whole; entries that are malformed are left out, with the original
   * copied aside. Never throws for a bad file.
   */
  async load(): Promise<LoadedQueue> {
    const problems: ConfigError[] = [];
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { sends: [], problems };
      problems.push(corrupt(`cannot read ${this.path}: ${(err as Error).message}`, err));
      return { sends: [], problems };
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err: unknown) {
      problems.push(await this.moveAside("is not valid JSON", err));
      return { sends: [], problems };
    }
    const list = (data as { sends?: unknown } | null)?.sends;
    if ((data as { version?: unknown } | null)?.version !== VERSION || !Array.isArray(list)) {
      problems.push(await this.moveAside(`is not a version ${VERSION} send queue`));
      return { sends: [], problems };
    }
    const good = list.filter((send) => this.isQueuedSend(send));
    if (good.length < list.length) {
      const aside = `${this.path}.corrupt-${Date.now()}`;
      await copyFile(this.path, aside).catch(() => {});
      problems.push(
        corrupt(
          `${list.length - good.length} of ${list.length} queued sends in ${this.path} are malformed and were left out (the file was copied to ${aside})`,
        ),
      );
    }
    for (const send of good) this.sends.set(send.id, send);
    return { sends: good, problems };
  }

  list(): QueuedSend[] {
    return [...this.sends.values()];
  }

  /** Adds or replaces a send and writes the file. */
  put(send: QueuedSend): Promise<void> {
    this.sends.set(send.id, send);
    return this.save();
  }

  /** Drops a send (done, cancelled or failed for good) and writes the file. */
  remove(id: string): Promise<void> {
    if (!this.sends.delete(id)) return this.writing ?? Promise.resolve();
    return this.save();
  }

  /** Resolves once everything asked so far is on disk. */
  flush(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  /** One write at a time; changes made meanwhile go in the next one. */
  private save(): Promise<void> {
    this.dirty = true;
    this.writing ??= (async () => {
      try {
        while (this.dirty) {
          this.dirty = false;
          const data = JSON.stringify({ version: VERSION, sends: this.list() }, null, 1);
          await writeFileAtomic(this.path, `${data}\n`, { mode: 0o600 }).catch((err: unknown) =>
            this.onError(
              new ConfigError(
                "ERR_SEND_QUEUE_WRITE",
                `cannot save the send queue ${this.path}: ${(err as Error).message}`,
                { cause: err },
              ),
            ),
          );
        }
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  private async moveAside(why: string, cause?: unknown): Promise<ConfigError> {
    const aside = `${this.path}.corrupt-${Date.now()}`;
    try {
      await rename(this.path, aside);
    } catch (err: unknown) {
      return corrupt(
        `${this.path} ${why}, and could not be moved aside: ${(err as Error).message}`,
        err,
      );
    }
    return corrupt(`${this.path} ${why}; moved to ${aside}, its sends are not restored`, cause);
  }

  private isQueuedSend(value: unknown): value is QueuedSend {
    const send = value as QueuedSend;
    const strings = (list: unknown) =>
      Array.isArray(list) && list.every((item) => typeof item === "string");
    const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    return (
      typeof send === "object" &&
      send !== null &&
      typeof send.id === "string" &&
      /^[0-9a-f]{16}$/.test(send.id) &&
      typeof send.peerId === "string" &&
      typeof send.peerName === "string" &&
      strings(send.paths) &&
      send.paths.length > 0 &&
      send.paths.every((path) => isAbsolute(path)) &&
      typeof send.options?.links === "boolean" &&
      count(send.createdAt) &&
      typeof send.state === "string" &&
      count(send.attempts) &&
      strings(send.names) &&
      count(send.files) &&
      (send.totalBytes === null || count(send.totalBytes)) &&
      count(send.doneBytes) &&
      // Only a folder of our own outbox is ever removed.
      (send.staging === null ||
        (typeof send.staging === "string" &&
          dirname(send.staging) === this.outboxRoot &&
          /^[0-9a-f]{16}$/.test(basename(send.staging)))) &&
      Array.isArray(send.source) &&
      send.source.every(isSourceEntry)
    );
  }
}

/** A send that is not over, as the queue keeps it. */
export function queuedSend(view: TransferView, outgoing: Outgoing): QueuedSend {
  return {
    id: view.id,
    peerId: view.peerId,
    peerName: view.peerName,
    paths: outgoing.paths,
    options: { links: outgoing.links ?? false },
    createdAt: view.startedAt,
    state: view.state,
    attempts: outgoing.attempts,
    names: view.names,
    files: view.files,
    totalBytes: view.totalBytes,
    doneBytes: view.doneBytes,
    staging: outgoing.staging ?? null,
    source: outgoing.source ?? [],
  };
}

/** A kept send as a transfer again: it waits for its peer (the same row for the faces). */
export function restoredSend(send: QueuedSend): { record: TransferRecord; outgoing: Outgoing } {
  const { peerId, peerName, names } = send;
  const record = new TransferRecord({ direction: "out", peerId, peerName, names });
  Object.assign(record.view, {
    id: send.id,
    state: "waiting",
    files: send.files,
    totalBytes: send.totalBytes,
    doneBytes: send.doneBytes,
    startedAt: send.createdAt,
    error: { code: "ERR_PEER_OFFLINE", message: `${peerName} is offline` },
  });
  const outgoing: Outgoing = {
    paths: send.paths,
    attempts: send.attempts,
    links: send.options.links,
    source: send.source,
  };
  if (send.staging !== null) outgoing.staging = send.staging;
  return { record, outgoing };
}

function corrupt(message: string, cause?: unknown): ConfigError {
  return new ConfigError("ERR_SEND_QUEUE_CORRUPT", message, { cause });
}
