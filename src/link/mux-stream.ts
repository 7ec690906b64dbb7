/**
 * One multiplexed stream as a Node Duplex of bytes. It keeps its own flow
 * control state (send credit, credit owed to the peer) and a queue of the
 * application's chunks, which the mux's scheduler slices into DATA frames.
 * It knows nothing of records or sockets: it talks to its mux through the
 * small `StreamHost` interface.
 */
import { Duplex } from "node:stream";
import { LinkError, WireError } from "../errors.js";
import { INITIAL_WINDOW, isToken, MAX_WINDOW } from "../wire/index.js";
import { SendQueue } from "./mux-send-queue.js";
import {
  type MuxStreamInit,
  type StreamCallback,
  type StreamHost,
  StreamResetError,
} from "./mux-stream-types.js";

export type { MuxStreamInit, StreamCallback, StreamHost } from "./mux-stream-types.js";

const STREAM_HIGH_WATER_MARK = 256 * 1024;

export { StreamResetError } from "./mux-stream-types.js";

/**
 * When at most this many unsent bytes remain of a write, they are copied and
 * the write is acknowledged, so the writer's next chunk can share the record
 * with this tail instead of leaving a tiny record behind.
 */
const TAIL_COPY_MAX = 4096;

/**
 * A stream of a Mux. `end()` half-closes (DATA with FIN); 'end' is emitted at
 * the peer's FIN; `destroy()` aborts with RESET `ERR_STREAM_CANCELLED`, and
 * `reset(code)` with a code of your choice. A RESET from the peer destroys the
 * stream with a `StreamResetError` (code `ERR_STREAM_RESET`).
 */
export class MuxStream extends Duplex {
  /** The stream id on the wire. */
  readonly id: number;
  /** The service named in OPEN. */
  readonly service: string;
  /** The OPEN metadata (opaque to the mux). */
  readonly metadata: Buffer;
  /** True when this side opened the stream. */
  readonly isLocal: boolean;

  // State shared with the mux; not part of the public API.
  /** @internal The peer knows the stream (its OPEN went out or came in). */
  announced: boolean;
  /** @internal The mux still tracks the stream. */
  attached = true;
  /** @internal The stream is in the scheduler's list. */
  scheduled = false;
  /** @internal WINDOW credit waiting to be sent; queued in the control list. */
  windowPending = 0;
  /** @internal Bytes we may still send. */
  sendCredit = INITIAL_WINDOW;
  /** @internal Our FIN went out. */
  localEnded = false;
  /** @internal The peer's FIN came in. */
  remoteEnded = false;
  /** @internal Callbacks wait for `runDueCallbacks`. */
  callbacksDue = false;

  private readonly host: StreamHost;
  private receiveCredit: number;
  private readonly queue = new SendQueue();
  private writeCallback: StreamCallback | null = null;
  private finalCallback: StreamCallback | null = null;
  private finPending = false;
  private dueWrite: StreamCallback | null = null;
  private dueFinal: StreamCallback | null = null;
  /** A copied tail waits for the write callback to run (see `takePayload`). */
  private corked = false;
  /** Bytes pushed while the reader was full: credit to return at `_read`. */
  private held = 0;
  /** Bytes consumed but not yet returned with WINDOW. */
  private consumed = 0;
  private resetCode: string | null = null;

  constructor(host: StreamHost, init: MuxStreamInit) {
    // 256 KiB on both sides: a 64 KiB chunk at a time (Node's default
    // 16 KiB mark) made pipe() stop its source after every chunk.
    super({ allowHalfOpen: true, highWaterMark: STREAM_HIGH_WATER_MARK });
    this.host = host;
    this.id = init.id;
    this.service = init.service;
    this.metadata = init.metadata;
    this.isLocal = init.isLocal;
    this.announced = !init.isLocal;
    this.receiveCredit = init.receiveCredit;
  }

  /** Aborts the stream, sending RESET with `code` (an ASCII token). */
  reset(code: string): void {
    if (!isToken(code)) throw new RangeError(`reset code is not a token: ${JSON.stringify(code)}`);
    if (this.destroyed) return;
    this.resetCode = code;
    this.destroy();
  }

  /** @internal Whether a DATA frame can go out now. */
  canSend(): boolean {
    return (
      this.attached &&
      this.announced &&
      !this.localEnded &&
      !this.corked &&
      (this.queue.bytes > 0 ? this.sendCredit > 0 : this.finPending)
    );
  }

  /** @internal Whether the stream has anything left to send, credit or not. */
  hasPending(): boolean {
    return this.attached && !this.localEnded && (this.queue.bytes > 0 || this.finPending);
  }

  /**
   * @internal The payload of the next DATA frame, at most `max` bytes and
   * within the credit; a view into the application's chunk, not a copy.
   * After it, `localEnded` tells whether the frame carries FIN, and
   * `callbacksDue` whether `runDueCallbacks` has work.
   */
  takePayload(max: number): Buffer {
    const queue = this.queue;
    const payload = queue.take(Math.min(max, this.sendCredit));
    this.sendCredit -= payload.length;
    if (this.writeCallback !== null && queue.bytes <= TAIL_COPY_MAX) {
      // Copy the small rest and acknowledge the write; hold the rest back
      // until the callback has run, so the writer's next chunk can join it
      // in one record instead of the rest going alone.
      this.corked = queue.bytes > 0;
      queue.copyRest();
      this.dueWrite = this.writeCallback;
      this.writeCallback = null;
      this.callbacksDue = true;
    }
    if (this.finPending && queue.bytes === 0) {
      this.localEnded = true;
      this.dueFinal = this.finalCallback;
      this.finalCallback = null;
      this.callbacksDue = true;
      if (this.remoteEnded) this.detach(null);
    }
    return payload;
  }

  /**
   * @internal Runs the write and final callbacks that `takePayload` made due.
   * The scheduler calls it on the next tick, once the caller has encrypted
   * the record: a writer may reuse its chunk as soon as its callback runs.
   */
  runDueCallbacks(): void {
    this.callbacksDue = false;
    this.corked = false;
    const write = this.dueWrite;
    const final = this.dueFinal;
    this.dueWrite = null;
    this.dueFinal = null;
    write?.();
    final?.();
  }

  /** @internal DATA from the peer. */
  receiveData(payload: Buffer, fin: boolean): void {
    if (this.remoteEnded) {
      throw new WireError("ERR_STREAM_ID", `DATA after FIN on stream ${this.id}`);
    }
    if (payload.length > this.receiveCredit) {
      throw new WireError("ERR_FLOW_CONTROL", `DATA beyond the credit on stream ${this.id}`);
    }
    this.receiveCredit -= payload.length;
    if (payload.length > 0) {
      // Credit goes back only once the reader has taken the bytes, so what
      // sits here is bounded by the window whatever the reader's speed.
      if (this.push(payload)) this.addConsumed(payload.length);
      else this.held += payload.length;
    }
    if (fin) {
      this.remoteEnded = true;
      this.push(null);
      if (this.localEnded) this.detach(null);
    }
  }

  /** @internal WINDOW from the peer; true when it unblocks queued data. */
  receiveWindow(increment: number): boolean {
    if (this.sendCredit + increment > MAX_WINDOW) {
      throw new WireError("ERR_WINDOW_OVERFLOW", `credit above 2^31-1 on stream ${this.id}`);
    }
    const wasBlocked = this.sendCredit === 0;
    this.sendCredit += increment;
    return wasBlocked && this.queue.bytes > 0 && !this.localEnded;
  }

  /** @internal RESET from the peer (the mux has already forgotten the stream). */
  receiveReset(code: string): void {
    this.attached = false;
    this.destroy(new StreamResetError(this.id, code));
  }

  /** @internal The mux is going down: destroy without sending anything. */
  abort(err: Error): void {
    this.attached = false;
    this.destroy(err);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: StreamCallback): void {
    this.enqueue([chunk], chunk.length, callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: StreamCallback,
  ): void {
    let bytes = 0;
    const buffers: Buffer[] = [];
    for (const { chunk } of chunks) {
      if (chunk.length === 0) continue;
      bytes += chunk.length;
      buffers.push(chunk);
    }
    this.enqueue(buffers, bytes, callback);
  }

  override _final(callback: StreamCallback): void {
    if (!this.attached) {
      callback(new LinkError("ERR_LINK_CLOSED", `stream ${this.id} is closed`));
      return;
    }
    this.finPending = true;
    this.finalCallback = callback;
    this.host.wantsToSend(this);
  }

  override _read(): void {
    if (this.held > 0) {
      const held = this.held;
      this.held = 0;
      this.addConsumed(held);
    }
  }

  override _destroy(err: Error | null, callback: StreamCallback): void {
    if (this.attached) this.detach(this.resetCode ?? "ERR_STREAM_CANCELLED");
    this.queue.clear();
    const pending = this.writeCallback;
    this.writeCallback = null;
    this.finalCallback = null;
    pending?.(err ?? new LinkError("ERR_STREAM_CANCELLED", `stream ${this.id} was destroyed`));
    callback(err);
  }

  private enqueue(chunks: Buffer[], bytes: number, callback: StreamCallback): void {
    if (!this.attached) {
      callback(new LinkError("ERR_LINK_CLOSED", `stream ${this.id} is closed`));
      return;
    }
    if (bytes === 0) {
      callback();
      return;
    }
    this.queue.push(chunks, bytes);
    this.writeCallback = callback;
    this.host.wantsToSend(this);
  }

  private addConsumed(bytes: number): void {
    this.consumed += bytes;
    if (this.consumed >= this.host.windowThreshold && !this.remoteEnded && this.attached) {
      const credit = this.consumed;
      this.consumed = 0;
      this.receiveCredit += credit;
      this.host.grantCredit(this, credit);
    }
  }

  private detach(resetCode: string | null): void {
    this.attached = false;
    this.host.release(this, resetCode);
  }
}
