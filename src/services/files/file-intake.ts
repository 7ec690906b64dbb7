/**
 * The receiving half of an accepted transfer: admits each FILE against the
 * plan (a file once, at an offset this side holds), counts progress, makes
 * files final (small ones in batches, large ones at once), records them in
 * the journal and acknowledges them in batches. Tells its owner when every
 * file has arrived or failed.
 */
import { WireError } from "../../errors.js";
import { TransferError } from "./errors.js";
import { type FinalizeItem, finalizeFiles } from "./finalize.js";
import type { DoneRecord } from "./journal.js";
import { EntryKind } from "./manifest.js";
import type { FileStart, HaveEntry } from "./messages.js";
import { partPathOf } from "./part-file.js";
import type { PartWriter } from "./part-writer.js";
import type { ReceivePlan } from "./plan.js";
import type { AdmittedFile, DataSink } from "./receive-data.js";
import { type BatchItem, SmallFileBatcher } from "./small-batch.js";
import type { Transfer } from "./transfer.js";

const ACK_DELAY_MS = 10;
const MAX_ACK_BATCH = 4096;

/** What the intake needs of its transfer besides the counters. */
export interface IntakeHost {
  touch(): void;
  sendAck(indexes: number[]): void;
  /** Every file has arrived or failed. */
  complete(): void;
  fail(err: unknown): void;
}

export class FileIntake implements DataSink {
  /** Files still to arrive. */
  remaining = 0;
  private readonly haves = new Map<number, HaveEntry>();
  private readonly started = new Set<number>();
  /** Partial files in progress, and whether each could be resumed. */
  private readonly writers = new Map<PartWriter, boolean>();
  private readonly batcher: SmallFileBatcher;
  private acks: number[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Whether close() keeps partial files (for a resume). */
  private keepParts = true;
  /** .part files being opened now: close() waits for them. */
  private readonly opening = new Set<Promise<PartWriter>>();

  constructor(
    private readonly transfer: Transfer,
    private readonly plan: ReceivePlan,
    private readonly host: IntakeHost,
    private readonly durable: boolean,
  ) {
    for (const [index, entry] of transfer.entries.entries()) {
      if (entry.kind !== EntryKind.File) continue;
      if (plan.done.has(index)) transfer.filesDone++;
      else this.remaining++;
    }
    for (const have of plan.have) this.haves.set(have.index, have);
    this.batcher = new SmallFileBatcher(
      (items) => this.filesComplete(items),
      (err) => host.fail(err),
      durable,
    );
  }

  touch(): void {
    this.host.touch();
  }

  admit(start: FileStart): AdmittedFile {
    if (this.closed) throw new TransferError("ERR_LINK_CLOSED", "the transfer is over");
    const { plan, transfer } = this;
    const entry = transfer.entries[start.index];
    if (entry === undefined || entry.kind !== EntryKind.File) {
      throw new WireError(
        "ERR_FILES_PROTOCOL",
        `FILE for entry ${start.index}, which is not a file`,
      );
    }
    if (plan.done.has(start.index) || this.started.has(start.index)) {
      throw new WireError("ERR_FILES_PROTOCOL", `FILE for ${entry.path} a second time`);
    }
    const have = this.haves.get(start.index);
    if (start.offset !== 0 && start.offset !== have?.offset) {
      throw new WireError(
        "ERR_FILES_PROTOCOL",
        `FILE for ${entry.path} at an offset not held here`,
      );
    }
    if (start.offset === 0 && have !== undefined) {
      // The sender's file differs from what the .part holds: it starts over.
      transfer.resumedBytes -= have.offset;
      transfer.doneBytes -= have.offset;
    }
    this.started.add(start.index);
    transfer.active.set(start.index, { path: entry.path, size: entry.size, bytes: start.offset });
    const finalPath = plan.finalPaths[start.index]!;
    return {
      entry,
      finalPath,
      partPath: partPathOf(finalPath),
      resumeHash: start.offset > 0 ? plan.resumeHashes.get(start.index) : undefined,
    };
  }

  received(index: number, bytes: number): void {
    this.transfer.doneBytes += bytes;
    this.transfer.carriedBytes += bytes;
    const active = this.transfer.active.get(index);
    if (active !== undefined) active.bytes += bytes;
  }

  completeSmall(index: number, item: FinalizeItem, sha256: Buffer): Promise<void> | undefined {
    const size = this.transfer.entries[index]!.size ?? 0;
    return this.batcher.add({ ...item, index, size, sha256 });
  }

  async completeLarge(index: number, item: FinalizeItem, sha256: Buffer): Promise<void> {
    await finalizeFiles([item], this.durable);
    const size = this.transfer.active.get(index)?.bytes ?? 0;
    this.filesComplete([{ ...item, index, size, sha256 }]);
  }

  skipped(index: number, code: string, message: string): void {
    const { transfer } = this;
    transfer.active.delete(index);
    transfer.failed++;
    transfer.emit(
      "warning",
      new TransferError(code, `${transfer.entries[index]!.path} was not sent: ${message}`),
    );
    this.settled(1);
  }

  async openPart(open: () => Promise<PartWriter>, resumable: boolean): Promise<PartWriter> {
    const opening = (async () => {
      const writer = await open();
      if (this.closed) {
        // Closed while the file was being opened: deal with it as close() would have.
        await writer.abandon(this.keepParts && resumable);
        throw new TransferError("ERR_LINK_CLOSED", "the transfer is over");
      }
      this.writers.set(writer, resumable);
      return writer;
    })();
    this.opening.add(opening);
    try {
      return await opening;
    } finally {
      this.opening.delete(opening);
    }
  }

  untrack(writer: PartWriter): void {
    this.writers.delete(writer);
  }

  /** Waits for the batches in flight and sends the last acknowledgements. */
  async drain(): Promise<void> {
    await this.batcher.idle();
    this.flushAcks();
  }

  /** Stops: partial files are closed and kept (`keep`) or removed. */
  async close(keep: boolean): Promise<void> {
    this.closed = true;
    this.keepParts = keep;
    clearTimeout(this.ackTimer);
    await Promise.allSettled([...this.opening]);
    await Promise.allSettled(
      [...this.writers].map(([writer, resumable]) => writer.abandon(keep && resumable)),
    );
    await this.batcher.idle().catch(() => {});
  }

  private filesComplete(items: readonly BatchItem[]): void {
    if (this.closed) return;
    const { transfer, plan } = this;
    const records: DoneRecord[] = [];
    for (const item of items) {
      const entry = transfer.entries[item.index]!;
      transfer.active.delete(item.index);
      transfer.filesDone++;
      this.acks.push(item.index);
      records.push({ done: entry.path, size: item.size, mtime: entry.mtimeMs });
      transfer.emit("file-done", {
        index: item.index,
        path: entry.path,
        savedAs: plan.savedAs[item.index],
        size: item.size,
        sha256: item.sha256.toString("hex"),
      });
    }
    plan.journal.appendDone(records).catch(() => {}); // a lost line only costs a resend
    if (this.acks.length >= MAX_ACK_BATCH) this.flushAcks();
    else this.ackTimer ??= setTimeout(() => this.flushAcks(), ACK_DELAY_MS);
    this.settled(items.length);
  }

  private settled(count: number): void {
    this.remaining -= count;
    // Not at once: this may run inside a batch, and completing waits for the batches.
    if (this.remaining === 0) setImmediate(() => this.host.complete());
  }

  private flushAcks(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.acks.length === 0) return;
    this.host.sendAck(this.acks);
    this.acks = [];
  }
}
