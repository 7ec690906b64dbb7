/**
 * One incoming transfer, driven by its control stream: read and check the
 * offer, plan (names, resume, free space), ask, accept or reject, then take
 * files from the data streams, acknowledge them in batches, and finish
 * (links, folder modes and times, DONE). A violation by the peer rejects
 * the offer and closes the link; any failure leaves resumable .part files.
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { WireError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { peerStopped, resetCode, TransferError } from "./errors.js";
import { FileIntake } from "./file-intake.js";
import { finishFolders } from "./folders.js";
import { decodeOffer, EntryKind, summarizeEntries } from "./manifest.js";
import {
  decodeCodeMessage,
  encodeAccept,
  encodeAck,
  encodeCodeMessage,
  encodeDone,
} from "./messages.js";
import { planReceive, type ReceivePlan } from "./plan.js";
import { RecordType } from "./protocol.js";
import { receiveDataStream } from "./receive-data.js";
import { RecordReader, Watchdog, writeRecord } from "./record-io.js";
import { checkEntryPaths } from "./safe-path.js";
import { Transfer } from "./transfer.js";

export interface ReceiveOptions {
  /** The folder to write into; made if missing. */
  outDir: string;
  /** Replace existing files of the same name instead of writing `name (1).ext`. @default false */
  overwrite?: boolean;
  /** Decides on an offer (the transfer's `entries`, `summary`, `text`, `peer` are set). @default accept */
  decide?: (transfer: ReceiveTransfer) => boolean | Promise<boolean>;
  /** Fail when nothing moves for this long (0: never). @default 30000 */
  idleTimeoutMs?: number;
  /** fsync each file and folder before acknowledging it. @default true */
  durable?: boolean;
}

export class ReceiveTransfer extends Transfer {
  offerId: Buffer | undefined;
  plan: ReceivePlan | undefined;
  private accepted = false;
  private aborting = false;
  private intake: FileIntake | undefined;
  private readonly dataStreams = new Set<MuxStream>();
  private readonly watchdog: Watchdog;

  constructor(
    private readonly control: MuxStream,
    readonly link: Link,
    private readonly options: ReceiveOptions,
  ) {
    super("receive", { id: link.peer.id, name: link.peer.name });
    this.watchdog = new Watchdog(options.idleTimeoutMs ?? 30_000, (err) => void this.abort(err));
  }

  /**
   * Stops the transfer, telling the sender why; verified data stays in the
   * `.part` files for a resume. Resolves once they are closed.
   */
  cancel(
    err: TransferError = new TransferError("ERR_CANCELLED", "the receiver cancelled"),
  ): Promise<void> {
    return this.abort(err);
  }

  /** Runs the whole transfer; the outcome is in `result`. @internal */
  async run(): Promise<void> {
    try {
      await this.negotiate();
    } catch (err: unknown) {
      await this.abort(err);
    }
  }

  /** A data stream of this transfer. */
  addDataStream(stream: MuxStream): void {
    const intake = this.intake;
    if (intake === undefined || this.isSettled) {
      stream.reset("ERR_FILES_PROTOCOL");
      return;
    }
    this.dataStreams.add(stream);
    stream.once("close", () => this.dataStreams.delete(stream));
    receiveDataStream(stream, intake).catch(
      (err: unknown) => void this.abort(peerStopped(err, this.peer.name)),
    );
  }

  private async negotiate(): Promise<void> {
    const reader = new RecordReader(this.control, [RecordType.Offer, RecordType.Error]);
    this.watchdog.start();
    const first = await reader.next();
    if (first === null) {
      throw new WireError("ERR_FILES_PROTOCOL", "the sender closed before its offer");
    }
    if (first.type === RecordType.Data) {
      throw new WireError("ERR_FILES_PROTOCOL", "DATA on the control stream");
    }
    if (first.type !== RecordType.Offer) throw remoteError(first.body, this.peer.name);
    const offer = decodeOffer(first.body);
    checkEntryPaths(
      offer.entries.map((e) => ({
        path: e.path,
        isDir: e.kind === EntryKind.Dir,
        target: e.target,
      })),
    );
    this.watchdog.stop();
    this.offerId = offer.id;
    this.entries = offer.entries;
    this.summary = summarizeEntries(offer.entries);
    this.text = offer.text;
    if (offer.text === undefined) {
      await mkdir(this.options.outDir, { recursive: true });
      this.plan = await planReceive(offer, this.peer.id, {
        outDir: this.options.outDir,
        overwrite: this.options.overwrite ?? false,
      });
      this.resumedBytes = this.summary.bytes - this.plan.neededBytes;
      this.doneBytes = this.resumedBytes;
    }
    this.emit("offer");
    const plan = this.plan;
    if (plan?.freeBytes !== undefined && plan.neededBytes > plan.freeBytes) {
      throw new TransferError(
        "ERR_NO_SPACE",
        `not enough free space in ${this.options.outDir}: ${plan.neededBytes} bytes needed, ${Math.max(0, plan.freeBytes)} free`,
      );
    }
    if (!(await this.decide())) {
      throw new TransferError("ERR_DECLINED", "the offer was declined; nothing was received");
    }
    if (plan === undefined) {
      this.accepted = true;
      writeRecord(this.control, RecordType.Accept, encodeAccept({ have: [], done: [] }));
      writeRecord(this.control, RecordType.Done, encodeDone({ files: 0, bytes: 0 }));
      this.control.end();
      this.succeed({ text: this.text });
      return;
    }
    const intake = await this.commit(plan);
    this.accepted = true;
    writeRecord(
      this.control,
      RecordType.Accept,
      encodeAccept({ have: plan.have, done: [...plan.done] }),
    );
    this.emit("accepted", { doneFiles: plan.done.size, resumedBytes: this.resumedBytes });
    this.restartClock();
    this.watchdog.start();
    this.watchControl(reader).catch((err: unknown) => void this.abort(err));
    if (intake.remaining === 0) await this.finish();
  }

  private async decide(): Promise<boolean> {
    if (this.options.decide === undefined) return true;
    let onClose!: () => void;
    const closed = new Promise<never>((_, reject) => {
      onClose = () =>
        reject(
          new TransferError(
            "ERR_LINK_CLOSED",
            "the sender went away before the offer was answered",
          ),
        );
      this.control.once("close", onClose);
    });
    try {
      return await Promise.race([this.options.decide(this), closed]);
    } finally {
      this.control.off("close", onClose);
    }
  }

  /** Writes the journal, makes the folders and gets ready for the files, once accepted. */
  private async commit(plan: ReceivePlan): Promise<FileIntake> {
    await plan.journal.begin(this.peer.id, plan.roots);
    const folders = new Set<string>();
    for (const [index, entry] of this.entries.entries()) {
      const path = plan.finalPaths[index]!;
      folders.add(entry.kind === EntryKind.Dir ? path : dirname(path));
    }
    for (const folder of [...folders].sort()) await mkdir(folder, { recursive: true });
    this.intake = new FileIntake(
      this,
      plan,
      {
        touch: () => this.watchdog.touch(),
        sendAck: (indexes) => {
          if (this.control.writable) writeRecord(this.control, RecordType.Ack, encodeAck(indexes));
        },
        complete: () => void this.finish().catch((err: unknown) => this.abort(err)),
        fail: (err) => void this.abort(err),
      },
      this.options.durable ?? true,
    );
    return this.intake;
  }

  /** After ACCEPT the sender says nothing more on the control stream but an ERROR, or its end after DONE. */
  private async watchControl(reader: RecordReader): Promise<void> {
    const event = await reader.next();
    if (event?.type === RecordType.Error) throw remoteError(event.body, this.peer.name);
    if (event !== null)
      throw new WireError("ERR_FILES_PROTOCOL", "a second OFFER on the control stream");
    if (!this.isSettled && (this.intake?.remaining ?? 0) > 0) {
      throw new TransferError("ERR_SENDER_STOPPED", "the sender stopped before sending every file");
    }
  }

  private async finish(): Promise<void> {
    if (this.isSettled) return;
    await this.intake!.drain();
    const plan = this.plan!;
    await finishFolders(this.entries, plan.finalPaths, this.options.overwrite ?? false);
    if (this.failed === 0) await plan.journal.remove();
    writeRecord(
      this.control,
      RecordType.Done,
      encodeDone({ files: this.filesDone, bytes: this.carriedBytes }),
    );
    this.control.end();
    this.watchdog.stop();
    this.succeed();
  }

  /** Ends the transfer with `err`: tell the sender, keep .part files, close the link if it misbehaved. */
  private async abort(err: unknown): Promise<void> {
    if (this.isSettled || this.aborting) return;
    this.aborting = true; // the first cause wins; what it sets off (resets, closes) does not
    this.watchdog.stop();
    const { code, message } = describe(err);
    if (this.control.writable && !this.control.destroyed) {
      const type = this.accepted ? RecordType.Error : RecordType.Reject;
      writeRecord(this.control, type, encodeCodeMessage({ code, message }));
      this.control.end();
    }
    const token = resetCode(code);
    for (const stream of this.dataStreams) stream.reset(token);
    // A .part is kept for a resume, unless the peer misbehaved: then what it sent is worthless.
    await this.intake?.close(!(err instanceof WireError));
    if (err instanceof WireError) this.link.close({ timeoutMs: 500 }).catch(() => {});
    this.fail(err);
  }
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof Error && "code" in err && typeof err.code === "string") {
    return { code: err.code, message: err.message };
  }
  return { code: "ERR_INTERNAL", message: err instanceof Error ? err.message : String(err) };
}

/** An ERROR or REJECT from the other side, as a local error. */
export function remoteError(body: Buffer, who = "the other side"): TransferError {
  const { code, message } = decodeCodeMessage(body, RecordType.Error);
  return new TransferError(code, `${who}: ${message}`);
}
