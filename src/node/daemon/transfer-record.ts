/**
 * One file transfer as a running node tracks it, in either direction: its
 * state, what it carries, and its progress with a smoothed rate and an ETA,
 * as plain JSON for the faces.
 */
import { randomBytes } from "node:crypto";
import { WalkieError } from "../../errors.js";
import type { Link } from "../../link/index.js";
import type { Transfer } from "../../services/files/index.js";

export type TransferState =
  /** Out: files still coming from the browser to this node. */
  | "uploading"
  /** Out: offered, waiting for the peer's answer. */
  | "offered"
  /** In: waiting for this side's answer. */
  | "asking"
  | "active"
  | "done"
  | "failed"
  | "rejected"
  | "cancelled"
  /** Out: the peer is offline (or the link dropped); sent (resuming) when it is back. */
  | "waiting"
  /** In: the link dropped; the sender resumes when it is back. */
  | "interrupted";

export interface TransferView {
  id: string;
  direction: "in" | "out";
  peerId: string;
  peerName: string;
  state: TransferState;
  /** Top-level names of what is carried. */
  names: string[];
  files: number;
  /** Bytes of all the files (null: not known yet). */
  totalBytes: number | null;
  doneBytes: number;
  filesDone: number;
  /** Bytes per second, smoothed. */
  rate: number;
  /** Seconds left at that rate, or null. */
  etaS: number | null;
  startedAt: number;
  finishedAt: number | null;
  error: { code: string; message: string } | null;
  /** In: the folder the files go to. */
  savedTo?: string;
  /** A text offer's text (once received). */
  text?: string;
}

const FINISHED: readonly TransferState[] = ["done", "failed", "rejected", "cancelled"];

export class TransferRecord {
  readonly view: TransferView;
  transfer: Transfer | undefined;
  private lastBytes = 0;
  private lastAt = performance.now();

  constructor(fields: Pick<TransferView, "direction" | "peerId" | "peerName" | "names">) {
    this.view = {
      id: randomBytes(8).toString("hex"),
      state: fields.direction === "in" ? "asking" : "offered",
      files: 0,
      totalBytes: null,
      doneBytes: 0,
      filesDone: 0,
      rate: 0,
      etaS: null,
      startedAt: Date.now(),
      finishedAt: null,
      error: null,
      ...fields,
    };
  }

  get finished(): boolean {
    return FINISHED.includes(this.view.state);
  }

  /** Takes the offer's counts from the transfer. */
  describe(transfer: Transfer): void {
    this.transfer = transfer;
    const summary = transfer.summary;
    if (summary) {
      this.view.names = summary.roots;
      this.view.files = summary.files;
      this.view.totalBytes = summary.unknownSize ? null : summary.bytes;
    }
    if (transfer.text !== undefined) this.view.text = transfer.text;
  }

  /** Reads progress; with `tick`, updates the rate (once a second). */
  refresh(tick = false): void {
    if (this.finished) return;
    // An upload (no transfer yet) counts its bytes itself, in view.doneBytes.
    const progress = this.transfer?.progress();
    if (progress) {
      this.view.doneBytes = progress.doneBytes;
      this.view.filesDone = progress.filesDone;
      if (progress.totalBytes > 0) this.view.totalBytes = progress.totalBytes;
    }
    if (!tick) return;
    const now = performance.now();
    const seconds = (now - this.lastAt) / 1000;
    if (seconds <= 0) return;
    const done = this.view.doneBytes;
    const instant = Math.max(0, done - this.lastBytes) / seconds;
    this.view.rate = this.view.rate === 0 ? instant : this.view.rate * 0.6 + instant * 0.4;
    this.lastBytes = done;
    this.lastAt = now;
    const left = (this.view.totalBytes ?? 0) - this.view.doneBytes;
    this.view.etaS = this.view.rate > 0 && left > 0 ? Math.round(left / this.view.rate) : null;
  }

  /** Marks the start of the bytes moving (the rate starts from here). */
  start(): void {
    this.view.state = "active";
    this.lastBytes = this.transfer?.progress().doneBytes ?? 0;
    this.lastAt = performance.now();
  }

  finish(state: TransferState, err?: unknown): void {
    this.refresh();
    this.view.state = state;
    this.view.rate = 0;
    this.view.etaS = null;
    this.view.finishedAt = Date.now();
    this.view.error = err === undefined ? null : describeError(err);
  }
}

export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof WalkieError) return { code: err.code, message: err.message };
  return { code: "ERR_INTERNAL", message: err instanceof Error ? err.message : String(err) };
}

/** Errors that mean the link went (or is going) away, not that the transfer failed. */
const LINK_LOSS = new Set([
  "ERR_GOING_AWAY",
  "ERR_LINK_CLOSED",
  "ERR_PEER_VANISHED",
  "ERR_PEER_TIMEOUT",
  "ERR_CLOSE_TIMEOUT",
]);

export function lostLink(link: Link, err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return link.closed || (typeof code === "string" && LINK_LOSS.has(code));
}

/** The final state a failed transfer ends in. */
export function outcome(err: unknown): TransferView["state"] {
  const code = (err as { code?: unknown })?.code;
  if (code === "ERR_DECLINED") return "rejected";
  if (code === "ERR_CANCELLED" || code === "ERR_STREAM_RESET") return "cancelled";
  return "failed";
}
