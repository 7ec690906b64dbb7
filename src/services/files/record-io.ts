/**
 * Records on a real stream: an async reader over a Readable, writing with
 * backpressure, and a watchdog for a transfer that stops moving.
 */
import type { Readable, Writable } from "node:stream";
import { LinkError, WireError } from "../../errors.js";
import { TransferError } from "./errors.js";
import { encodeRecord, RecordDecoder, type RecordEvent, type RecordType } from "./protocol.js";

/** Pulls records from a stream one at a time. */
export class RecordReader {
  private readonly decoder: RecordDecoder;
  private readonly iterator: AsyncIterator<Buffer>;
  private queue: RecordEvent[] = [];
  private head = 0;

  constructor(stream: Readable, allowed: Iterable<RecordType>) {
    this.decoder = new RecordDecoder(allowed);
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** The next record event, or null when the stream ended between records. */
  async next(): Promise<RecordEvent | null> {
    for (;;) {
      const event = this.take();
      if (event !== undefined) return event;
      if (!(await this.fill())) return null;
    }
  }

  /** The next record event already decoded, or undefined: then `fill()`. */
  take(): RecordEvent | undefined {
    return this.head < this.queue.length ? this.queue[this.head++] : undefined;
  }

  /** Decodes the next chunk of the stream; false when it ended between records. */
  async fill(): Promise<boolean> {
    const { value, done } = await this.iterator.next();
    if (done) {
      if (!this.decoder.atBoundary) {
        throw new WireError("ERR_FILES_PROTOCOL", "the stream ended inside a record");
      }
      return false;
    }
    this.queue = this.decoder.push(value);
    this.head = 0;
    return true;
  }
}

/** Writes one record; false means wait for `drained`. */
export function writeRecord(stream: Writable, type: RecordType, body: Uint8Array): boolean {
  return stream.write(encodeRecord(type, body));
}

/** Resolves at 'drain'; rejects if the stream fails or closes first. */
export function drained(stream: Writable): Promise<void> {
  if (!stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () =>
      done(new LinkError("ERR_LINK_CLOSED", "the stream closed while data was waiting"));
    stream.once("drain", onDrain);
    stream.once("error", onError);
    stream.once("close", onClose);
  });
}

/** Calls `onStall` when `touch()` has not been called for `timeoutMs` while running. */
export class Watchdog {
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onStall: (err: TransferError) => void,
  ) {}

  touch(): void {
    this.last = performance.now();
  }

  start(): void {
    if (this.timer !== undefined || !(this.timeoutMs > 0)) return;
    this.touch();
    this.timer = setInterval(
      () => {
        if (performance.now() - this.last < this.timeoutMs) return;
        this.stop();
        this.onStall(
          new TransferError(
            "ERR_TRANSFER_STALLED",
            `nothing moved for ${Math.round(this.timeoutMs / 1000)} s: the link stalled`,
          ),
        );
      },
      Math.max(50, Math.min(1000, this.timeoutMs / 4)),
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
