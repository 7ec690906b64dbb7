/**
 * The sending side: offer the manifest on a control stream, wait for the
 * answer, check the prefixes the receiver holds against the local files
 * (a match continues from there, a mismatch starts that file over), then
 * send the rest on up to `parallel` data streams while acknowledgements come
 * back, until the receiver's DONE.
 */
import { randomBytes } from "node:crypto";
import { WireError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { peerStopped, resetCode, TransferError } from "./errors.js";
import { EntryKind, encodeOffer, summarizeEntries, TRANSFER_ID_SIZE } from "./manifest.js";
import {
  type AcceptMessage,
  decodeAccept,
  decodeAck,
  decodeDone,
  encodeCodeMessage,
  encodeStreamOpen,
  StreamRole,
} from "./messages.js";
import { RecordType } from "./protocol.js";
import { remoteError } from "./receive-transfer.js";
import { FILES_SERVICE } from "./receiver.js";
import { RecordReader, Watchdog, writeRecord } from "./record-io.js";
import type { SendSource } from "./scan.js";
import { sendJobs } from "./send-data.js";
import { hashPrefix, JobQueue, type SendJob } from "./source-read.js";
import { Transfer } from "./transfer.js";

export interface SendOptions {
  /** Data streams at once (files spread over them, large ones in parallel). @default 3 */
  parallel?: number;
  /** Fail when nothing moves for this long once accepted (0: never). @default 30000 */
  idleTimeoutMs?: number;
}

/** Offers `source` on `link` and sends it; the outcome is in the returned transfer's `result`. */
export function sendFiles(link: Link, source: SendSource, options: SendOptions = {}): SendTransfer {
  const transfer = new SendTransfer(link, source, options);
  void transfer.run();
  return transfer;
}

export class SendTransfer extends Transfer {
  private readonly control: MuxStream;
  private readonly id = randomBytes(TRANSFER_ID_SIZE);
  private readonly dataStreams = new Set<MuxStream>();
  private readonly hashes = new Map<number, Buffer>();
  private readonly watchdog: Watchdog;

  constructor(
    private readonly link: Link,
    private readonly source: SendSource,
    private readonly options: SendOptions,
  ) {
    super("send", { id: link.peer.id, name: link.peer.name });
    this.entries = source.entries;
    this.summary = summarizeEntries(source.entries);
    this.text = source.text;
    this.control = link.openStream(FILES_SERVICE, encodeStreamOpen({ role: StreamRole.Control }));
    this.watchdog = new Watchdog(options.idleTimeoutMs ?? 30_000, (err) => this.abort(err));
  }

  /** Stops the transfer, telling the receiver why. */
  cancel(err: TransferError = new TransferError("ERR_CANCELLED", "the sender cancelled")): void {
    this.abort(err);
  }

  /** @internal */
  async run(): Promise<void> {
    try {
      const offer = { id: this.id, entries: this.source.entries, text: this.source.text };
      writeRecord(this.control, RecordType.Offer, encodeOffer(offer));
      const reader = new RecordReader(this.control, [
        RecordType.Accept,
        RecordType.Reject,
        RecordType.Ack,
        RecordType.Done,
        RecordType.Error,
      ]);
      const answer = await reader.next();
      if (answer === null)
        throw new TransferError("ERR_RECEIVER_STOPPED", "the receiver closed without answering");
      if (answer.type === RecordType.Reject || answer.type === RecordType.Error)
        throw remoteError(answer.body, this.peer.name);
      if (answer.type !== RecordType.Accept)
        throw new WireError("ERR_FILES_PROTOCOL", "expected ACCEPT or REJECT");
      const queue = new JobQueue(await this.resume(decodeAccept(answer.body)));
      this.restartClock();
      this.watchdog.start();
      const streams = Math.min(Math.max(1, this.options.parallel ?? 3), queue.length);
      for (let i = 0; i < streams; i++) this.startDataStream(queue);
      await this.readAnswers(reader);
      this.watchdog.stop();
      this.control.end();
      this.succeed({ text: this.text });
    } catch (err: unknown) {
      this.abort(err);
    }
  }

  /** The jobs left after what the receiver holds: prefixes are checked against the local files. */
  private async resume(accept: AcceptMessage): Promise<SendJob[]> {
    const done = new Set(accept.done);
    const have = new Map(accept.have.map((h) => [h.index, h]));
    const jobs: SendJob[] = [];
    for (const [index, entry] of this.entries.entries()) {
      if (entry.kind !== EntryKind.File) continue;
      if (done.has(index)) {
        this.filesDone++;
        this.resumedBytes += entry.size ?? 0;
        continue;
      }
      const job: SendJob = { index, entry, local: this.source.localPaths[index], offset: 0 };
      const held = have.get(index);
      if (
        held !== undefined &&
        job.local !== undefined &&
        entry.size !== null &&
        held.offset <= entry.size
      ) {
        const hash = await hashPrefix(job.local, held.offset).catch(() => undefined);
        if (hash?.copy().digest().equals(held.prefixHash)) {
          job.offset = held.offset;
          job.hash = hash;
          this.resumedBytes += held.offset;
        }
      }
      jobs.push(job);
    }
    this.doneBytes = this.resumedBytes;
    this.emit("accepted", { doneFiles: this.filesDone, resumedBytes: this.resumedBytes });
    return jobs;
  }

  private startDataStream(queue: JobQueue): void {
    const stream = this.link.openStream(
      FILES_SERVICE,
      encodeStreamOpen({ role: StreamRole.Data, id: this.id }),
    );
    this.dataStreams.add(stream);
    stream.on("error", () => {}); // reported through the control stream or the link
    const hooks = {
      progress: (index: number, bytes: number) => {
        this.watchdog.touch();
        this.doneBytes += bytes;
        this.carriedBytes += bytes;
        const active = this.active.get(index);
        if (active !== undefined) active.bytes += bytes;
        else {
          const entry = this.entries[index]!;
          this.active.set(index, { path: entry.path, size: entry.size, bytes });
        }
      },
      sent: (index: number, sha256: Buffer) => this.hashes.set(index, sha256),
      skipped: (index: number, err: TransferError) => {
        this.active.delete(index);
        this.failed++;
        this.emit("warning", err);
      },
    };
    sendJobs(stream, queue, hooks, this.source.stream).catch((err: unknown) =>
      this.abort(peerStopped(err, this.peer.name)),
    );
  }

  private async readAnswers(reader: RecordReader): Promise<void> {
    for (let event = await reader.next(); event !== null; event = await reader.next()) {
      this.watchdog.touch();
      if (event.type === RecordType.Ack) {
        for (const index of decodeAck(event.body)) this.acknowledged(index);
      } else if (event.type === RecordType.Done) {
        decodeDone(event.body);
        return;
      } else if (event.type === RecordType.Error || event.type === RecordType.Reject) {
        throw remoteError(event.body, this.peer.name);
      } else {
        throw new WireError(
          "ERR_FILES_PROTOCOL",
          `unexpected ${RecordType[event.type]} after ACCEPT`,
        );
      }
    }
    throw new TransferError(
      "ERR_RECEIVER_STOPPED",
      `${this.peer.name} stopped before confirming every file`,
    );
  }

  private acknowledged(index: number): void {
    const entry = this.entries[index];
    const sha256 = this.hashes.get(index);
    if (entry === undefined || sha256 === undefined) {
      throw new WireError("ERR_FILES_PROTOCOL", `ACK for file ${index}, which was not sent`);
    }
    const size = entry.size ?? this.active.get(index)?.bytes ?? 0;
    this.hashes.delete(index);
    this.active.delete(index);
    this.filesDone++;
    this.emit("file-done", { index, path: entry.path, size, sha256: sha256.toString("hex") });
  }

  private abort(err: unknown): void {
    if (this.isSettled) return;
    this.watchdog.stop();
    const { code, message } =
      err instanceof TransferError || err instanceof WireError
        ? err
        : { code: "ERR_TRANSFER_FAILED", message: String(err) };
    if (this.control.writable && !this.control.destroyed) {
      writeRecord(this.control, RecordType.Error, encodeCodeMessage({ code, message }));
      this.control.end();
    }
    // The reset carries the code too: it may reach the receiver before the control record.
    const token = resetCode(code);
    for (const stream of this.dataStreams) if (!stream.destroyed) stream.reset(token);
    if (err instanceof WireError) this.link.close({ timeoutMs: 500 }).catch(() => {});
    this.fail(err);
  }
}
