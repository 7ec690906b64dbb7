/**
 * File transfers while a node runs, on top of the files service: offers from
 * paired peers are accepted into the inbox at once (peers set to
 * auto-accept) or wait for a yes or no from a face; sends go to a peer's
 * open link. A transfer cut off by a lost link is "interrupted": a send is
 * offered again (and resumes) when the peer is back, and the receiving side
 * takes that offer without asking again. Sends that are not over are kept
 * in a send queue on disk (when given one), so that they outlive a restart
 * (`restore`). Progress, rate and ETA for every transfer, refreshed once a
 * second.
 */
import { EventEmitter } from "node:events";
import { rm } from "node:fs/promises";
import { LinkError } from "../../errors.js";
import type { Link } from "../../link/index.js";
import {
  FilesReceiver,
  type ReceiveTransfer,
  type SendTransfer,
  scanPaths,
  sendFiles,
} from "../../services/files/index.js";
import type { StreamHandler } from "../node.js";
import { PendingAnswers } from "./pending-answers.js";
import { type QueuedSend, queuedSend, restoredSend, type SendQueue } from "./send-queue.js";
import { type SourceEntry, sourceChange, sourceEntries, sourceSummary } from "./source-check.js";
import {
  describeError,
  lostLink,
  outcome,
  TransferRecord,
  type TransferView,
} from "./transfer-record.js";

export interface TransferDeskOptions {
  /** Folder of received files. */
  inbox: string;
  /** Whether offers from this peer are taken without asking. */
  autoAccept: (peerId: string) => boolean;
  isPaired: (peerId: string) => Promise<boolean>;
  /** The open link with a peer, if any. */
  linkFor: (peerId: string) => Link | undefined;
  /** An offer nobody answers is declined after this long. @default 10 minutes */
  askTimeoutMs?: number;
  /** Finished transfers kept for the faces. @default 100 */
  keepFinished?: number;
  /** Wait after a link comes up before sending what waits for the peer. @default 1000 */
  settleMs?: number;
  /** Where sends that are not over are kept across restarts. @default none: in memory only */
  queue?: SendQueue;
}

export interface TransferDeskEvents {
  change: [view: TransferView];
  finished: [record: TransferRecord];
}

export interface Outgoing {
  /** Absolute local paths. */
  paths: string[];
  attempts: number;
  /** Symbolic links inside folders go as links. @default false */
  links?: boolean;
  /** An upload's staging folder, removed once the send is over for good. */
  staging?: string;
  /** What the files were when the send was first offered (set then). */
  source?: SourceEntry[];
}

const MAX_RESENDS = 20;

export class TransferDesk extends EventEmitter<TransferDeskEvents> {
  readonly handler: StreamHandler;
  private readonly records = new Map<string, TransferRecord>();
  private readonly answers: PendingAnswers;
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly byTransfer = new WeakMap<ReceiveTransfer, TransferRecord>();
  private readonly resendTimers = new Map<string, NodeJS.Timeout>();
  private closing = false;

  constructor(private readonly options: TransferDeskOptions) {
    super();
    this.answers = new PendingAnswers(options.askTimeoutMs ?? 600_000);
    const receiver = new FilesReceiver({ outDir: options.inbox, decide: (t) => this.decide(t) });
    receiver.on("transfer", (transfer: ReceiveTransfer) => this.incoming(transfer));
    this.handler = receiver.handler;
  }

  get inbox(): string {
    return this.options.inbox;
  }

  list(): TransferView[] {
    return [...this.records.values()].map((record) => ({ ...record.view }));
  }

  get(id: string): TransferRecord | undefined {
    return this.records.get(id);
  }

  /** Transfers moving bytes now, by direction. */
  activeCount(): { in: number; out: number } {
    const count = { in: 0, out: 0 };
    for (const record of this.records.values()) {
      if (record.view.state === "active") count[record.view.direction]++;
    }
    return count;
  }

  /** Adds a transfer that a face tracks itself until `sendPrepared` (an upload). */
  track(record: TransferRecord): void {
    this.records.set(record.view.id, record);
    this.changed(record);
  }

  /**
   * Offers `paths` to the peer on its open link, or once it is online.
   * @throws TransferError ERR_SOURCE_UNREADABLE
   */
  async send(
    peerId: string,
    peerName: string,
    paths: string[],
    options: { links?: boolean } = {},
  ): Promise<TransferView> {
    const record = new TransferRecord({ direction: "out", peerId, peerName, names: [] });
    await this.sendPrepared(record, { paths, attempts: 0, links: options.links });
    return { ...record.view };
  }

  /**
   * Sends for a record made earlier (an upload that is complete); waits if
   * the peer is offline. Sent again, it checks that the files are still what
   * they were the first time. @throws TransferError ERR_SOURCE_UNREADABLE, ERR_SOURCE_CHANGED
   */
  async sendPrepared(record: TransferRecord, outgoing: Outgoing): Promise<void> {
    const source = await scanPaths(outgoing.paths, { links: outgoing.links });
    if (outgoing.source === undefined) {
      outgoing.source = sourceEntries(source.entries);
      // A send that waits shows what it carries (an upload knows it already).
      if (record.view.names.length === 0) Object.assign(record.view, sourceSummary(source.entries));
    } else {
      const change = sourceChange(outgoing.source, source.entries);
      if (change) throw change;
    }
    // Cancelled while the files were read: it must not come back (nor into the queue).
    if (record.finished) return;
    this.outgoing.set(record.view.id, outgoing);
    this.records.set(record.view.id, record);
    await this.persist(record);
    if (record.finished) return; // cancelled meanwhile
    const link = this.options.linkFor(record.view.peerId);
    if (link === undefined) {
      this.settle(
        record,
        "waiting",
        new LinkError("ERR_PEER_OFFLINE", `${record.view.peerName} is offline`),
      );
      return;
    }
    const transfer: SendTransfer = sendFiles(link, source);
    record.describe(transfer);
    record.view.state = "offered";
    transfer.on("accepted", () => {
      record.start();
      this.changed(record);
    });
    transfer.result.then(
      () => this.settle(record, "done"),
      (err: unknown) => this.settle(record, lostLink(link, err) ? "waiting" : outcome(err), err),
    );
    this.changed(record);
  }

  /** Takes back a send kept from an earlier run: it waits for its peer. */
  restore(send: QueuedSend): void {
    const { record, outgoing } = restoredSend(send);
    this.records.set(send.id, record);
    this.outgoing.set(send.id, outgoing);
    this.changed(record);
    if (this.options.linkFor(send.peerId)) this.peerOnline(send.peerId);
  }

  /**
   * The node is going down: the queue keeps every send as it is now (the
   * links closing are no reason to drop one), resolved once it is written.
   */
  async close(): Promise<void> {
    for (const timer of this.resendTimers.values()) clearTimeout(timer);
    this.resendTimers.clear();
    for (const id of this.outgoing.keys()) {
      const record = this.records.get(id);
      if (record && !record.finished) {
        record.refresh();
        void this.persist(record);
      }
    }
    this.closing = true;
    await this.options.queue?.flush();
  }

  /** Resolves once the send queue is on disk. */
  async flush(): Promise<void> {
    await this.options.queue?.flush();
  }

  /** The answer of a face to an offer that waits. */
  answer(id: string, accept: boolean): boolean {
    return this.answers.answer(id, accept);
  }

  /** Stops a transfer (or declines an offer, or drops an interrupted send). */
  cancel(id: string): boolean {
    const record = this.records.get(id);
    if (record === undefined || record.finished) return false;
    if (this.answer(id, false)) return true;
    const { transfer } = record;
    const idle = ["waiting", "interrupted", "uploading"].includes(record.view.state);
    if (idle || transfer === undefined) {
      this.settle(record, "cancelled");
    } else if (record.view.direction === "out") {
      (transfer as SendTransfer).cancel();
    } else {
      void (transfer as ReceiveTransfer).cancel();
    }
    return true;
  }

  /**
   * The peer was unpaired: sends waiting for it can never go (its links are
   * refused now), so they fail and leave the queue instead of waiting forever.
   */
  peerUnpaired(peerId: string): void {
    for (const record of this.records.values()) {
      if (record.finished || record.view.direction !== "out" || record.view.peerId !== peerId) {
        continue;
      }
      if (!["waiting", "interrupted", "uploading"].includes(record.view.state)) continue;
      this.settle(
        record,
        "failed",
        new LinkError(
          "ERR_UNKNOWN_PEER",
          `${record.view.peerName} was unpaired before this was sent`,
        ),
      );
    }
  }

  /** Once a second: progress, rate and ETA of the transfers under way. */
  tick(): TransferView[] {
    const moving: TransferView[] = [];
    for (const record of this.records.values()) {
      if (record.view.state !== "active" && record.view.state !== "uploading") continue;
      record.refresh(true);
      moving.push({ ...record.view });
    }
    return moving;
  }

  /**
   * A link with the peer came up: waiting sends to it go again (and resume),
   * after a moment, so that of two links made at once the one kept is used.
   */
  peerOnline(peerId: string): void {
    if (this.resendTimers.has(peerId)) return;
    const timer = setTimeout(() => {
      this.resendTimers.delete(peerId);
      this.resend(peerId);
    }, this.options.settleMs ?? 1_000);
    timer.unref();
    this.resendTimers.set(peerId, timer);
  }

  private resend(peerId: string): void {
    for (const record of this.records.values()) {
      const outgoing = this.outgoing.get(record.view.id);
      if (record.view.state !== "waiting" || record.view.peerId !== peerId || !outgoing) continue;
      outgoing.attempts++;
      record.view.state = "offered"; // taken: another link coming up does not send it twice
      this.sendPrepared(record, outgoing).catch((err: unknown) =>
        this.settle(record, "failed", err),
      );
    }
  }

  private incoming(transfer: ReceiveTransfer): void {
    const { id: peerId, name: peerName } = transfer.peer;
    const record = new TransferRecord({ direction: "in", peerId, peerName, names: [] });
    record.view.savedTo = this.options.inbox;
    record.transfer = transfer;
    this.byTransfer.set(transfer, record);
    transfer.on("accepted", () => {
      const current = this.byTransfer.get(transfer)!;
      current.start();
      this.changed(current);
    });
    transfer.result.then(
      () => this.settle(this.byTransfer.get(transfer)!, "done"),
      (err: unknown) => {
        const current = this.byTransfer.get(transfer)!;
        const lost = transfer.link.closed && current.view.state === "active";
        this.settle(current, lost ? "interrupted" : outcome(err), err);
      },
    );
  }

  private async decide(transfer: ReceiveTransfer): Promise<boolean> {
    let record = this.byTransfer.get(transfer)!;
    record.describe(transfer);
    const { peerId } = record.view;
    if (!(await this.options.isPaired(peerId))) return false;
    // The sender resuming an offer that was accepted before: same row, no second question.
    const earlier = [...this.records.values()].find(
      (other) =>
        other.view.direction === "in" &&
        other.view.state === "interrupted" &&
        other.view.peerId === peerId &&
        other.view.names.join("/") === record.view.names.join("/"),
    );
    if (earlier) {
      earlier.describe(transfer);
      this.byTransfer.set(transfer, earlier);
      record = earlier;
      return true;
    }
    this.records.set(record.view.id, record);
    if (this.options.autoAccept(peerId)) return true;
    record.view.state = "asking";
    this.changed(record);
    return this.answers.ask(record.view.id);
  }

  private settle(record: TransferRecord, state: TransferView["state"], err?: unknown): void {
    if (record.finished || this.records.get(record.view.id) !== record) return;
    this.answers.drop(record.view.id);
    if (state === "waiting" || state === "interrupted") {
      const outgoing = this.outgoing.get(record.view.id);
      if (outgoing === undefined || outgoing.attempts < MAX_RESENDS) {
        record.refresh();
        record.view.state = state;
        record.view.rate = 0;
        record.view.etaS = null;
        record.view.error = err === undefined ? null : describeError(err);
        this.changed(record);
        void this.persist(record);
        // Another link with the peer may still be up (two were made at once, one closed).
        if (state === "waiting" && this.options.linkFor(record.view.peerId)) {
          this.peerOnline(record.view.peerId);
        }
        return;
      }
      state = "failed";
    }
    record.finish(state, err);
    this.forget(record);
    this.changed(record);
    this.emit("finished", record);
    this.prune();
  }

  /** Writes a send that is not over to the queue (not while closing: it is kept as it was). */
  private async persist(record: TransferRecord): Promise<void> {
    const outgoing = this.outgoing.get(record.view.id);
    const { queue } = this.options;
    if (queue === undefined || outgoing === undefined || this.closing || record.finished) return;
    await queue.put(queuedSend(record.view, outgoing));
  }

  /**
   * A send over for good leaves the queue, and an upload's files go. While
   * the node closes only a send that is done does: any other end then comes
   * from the links going down, and the send goes on after the restart.
   */
  private forget(record: TransferRecord): void {
    const outgoing = this.outgoing.get(record.view.id);
    if (outgoing === undefined) return;
    this.outgoing.delete(record.view.id);
    if (this.closing && record.view.state !== "done") return;
    void this.options.queue?.remove(record.view.id);
    if (outgoing.staging) void rm(outgoing.staging, { recursive: true, force: true });
  }

  private changed(record: TransferRecord): void {
    this.emit("change", { ...record.view });
  }

  /** Keeps the newest finished transfers only. */
  private prune(): void {
    const finished = [...this.records.values()].filter((record) => record.finished);
    for (const record of finished.slice(
      0,
      Math.max(0, finished.length - (this.options.keepFinished ?? 100)),
    )) {
      this.records.delete(record.view.id);
    }
  }
}
