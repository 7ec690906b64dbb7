/**
 * A transfer as a face sees it, on either side: the offer, progress (bytes
 * and files done, the files in flight), events and the final result.
 * Faces poll `progress()` to draw bars and listen for `file-done`,
 * `warning` and `accepted`; `result` settles once.
 */
import { EventEmitter } from "node:events";
import type { ManifestEntry, OfferSummary } from "./manifest.js";

export interface TransferPeer {
  id: string;
  name: string;
}

export interface FileDoneEvent {
  index: number;
  /** The path in the offer. */
  path: string;
  /** Receiver: where it was written, relative to the target folder. */
  savedAs?: string;
  size: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
}

/** After the receiver said yes: what an earlier run had already delivered. */
export interface AcceptedEvent {
  /** Files complete from an earlier run (not sent again). */
  doneFiles: number;
  /** Bytes already there: complete files and verified .part prefixes. */
  resumedBytes: number;
}

export interface TransferResult {
  /** Files complete (this run and earlier ones). */
  files: number;
  /** Bytes carried by this run. */
  bytes: number;
  /** Bytes of all the files offered (as far as known). */
  totalBytes: number;
  /** Bytes that an earlier run had delivered. */
  resumedBytes: number;
  /** Files the sender could not read or the receiver could not keep. */
  failed: number;
  durationMs: number;
  /** A text offer's text. */
  text?: string;
}

export interface ActiveFile {
  path: string;
  size: number | null;
  bytes: number;
}

export interface ProgressSnapshot {
  totalBytes: number;
  doneBytes: number;
  filesTotal: number;
  filesDone: number;
  active: ActiveFile[];
  elapsedMs: number;
}

/**
 * Events: `offer` (receiver: the offer is known), `accepted` (AcceptedEvent),
 * `file-done` (FileDoneEvent), `warning` (error).
 */
export class Transfer extends EventEmitter {
  peer: TransferPeer;
  entries: readonly ManifestEntry[] = [];
  summary: OfferSummary | undefined;
  text: string | undefined;
  readonly result: Promise<TransferResult>;
  /** @internal */
  doneBytes = 0;
  /** @internal */
  carriedBytes = 0;
  /** @internal */
  resumedBytes = 0;
  /** @internal */
  filesDone = 0;
  /** @internal */
  failed = 0;
  /** @internal */
  readonly active = new Map<number, ActiveFile>();
  private startedAt = performance.now();
  private settled = false;
  private resolveResult!: (result: TransferResult) => void;
  private rejectResult!: (err: unknown) => void;

  constructor(
    readonly direction: "send" | "receive",
    peer: TransferPeer,
  ) {
    super();
    this.peer = peer;
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.result.catch(() => {}); // the owner awaits it
  }

  get isSettled(): boolean {
    return this.settled;
  }

  progress(): ProgressSnapshot {
    return {
      totalBytes: this.summary?.bytes ?? 0,
      doneBytes: this.doneBytes,
      filesTotal: this.summary?.files ?? 0,
      filesDone: this.filesDone,
      active: [...this.active.values()],
      elapsedMs: performance.now() - this.startedAt,
    };
  }

  /** @internal Starts the clock (at acceptance). */
  restartClock(): void {
    this.startedAt = performance.now();
  }

  /** @internal */
  succeed(extra: { text?: string } = {}): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveResult({
      files: this.filesDone,
      bytes: this.carriedBytes,
      totalBytes: this.summary?.bytes ?? 0,
      resumedBytes: this.resumedBytes,
      failed: this.failed,
      durationMs: performance.now() - this.startedAt,
      ...extra,
    });
  }

  /** @internal */
  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectResult(err);
  }
}
