/**
 * The stream multiplexer (docs/PROTOCOL.md section 4), sans-IO: the record
 * layer hands it each decrypted record with `receiveRecord` and asks it for
 * the frames of the next record with `pull`. It never sees a socket, a cipher
 * or a timer; keepalive timing belongs to the link.
 */
import { performance } from "node:perf_hooks";
import { LinkError, WireError } from "../errors.js";
import {
  decodeRecord,
  encodeGoAway,
  encodeOpen,
  encodeReset,
  type Frame,
  FrameType,
  INITIAL_WINDOW,
  isToken,
  MAX_METADATA,
  MAX_STREAMS,
  MAX_WINDOW,
  type OpenFrame,
} from "../wire/index.js";
import type { MuxOptions, MuxStats } from "./mux-options.js";
import { PingTracker } from "./mux-ping.js";
import { Scheduler } from "./mux-scheduler.js";
import { MuxStream, type StreamHost } from "./mux-stream.js";
import { StreamTable } from "./mux-stream-table.js";

export type { MuxOptions, MuxStats } from "./mux-options.js";
export { MuxStream, StreamResetError } from "./mux-stream.js";

/** Many streams over one sequence of records. */
export class Mux {
  /** performance.now() of the last record received. */
  lastActivity = performance.now();

  private readonly options: MuxOptions;
  private readonly receiveWindow: number;
  private readonly scheduler: Scheduler;
  private readonly streams: StreamTable;
  private dataBytesReceived = 0;
  private destroyed = false;
  private goAwayQueued = false;
  private goAwaySent = false;
  private remoteGoAway = false;
  private idleReported = false;
  private readonly pings = new PingTracker();
  /** What streams see of this mux. */
  private readonly host: StreamHost;

  constructor(options: MuxOptions) {
    const receiveWindow = options.receiveWindow ?? 1024 * 1024;
    if (
      !Number.isInteger(receiveWindow) ||
      receiveWindow < INITIAL_WINDOW ||
      receiveWindow > MAX_WINDOW
    ) {
      throw new RangeError(`receiveWindow must be ${INITIAL_WINDOW} to ${MAX_WINDOW}`);
    }
    const maxStreams = options.maxStreams ?? MAX_STREAMS;
    if (!Number.isInteger(maxStreams) || maxStreams < 1) {
      throw new RangeError("maxStreams must be >= 1");
    }
    this.options = options;
    this.receiveWindow = receiveWindow;
    this.host = {
      // Credit goes back in batches of a quarter window, not per record.
      windowThreshold: Math.floor(receiveWindow / 4),
      wantsToSend: (stream) => this.wantsToSend(stream),
      grantCredit: (stream, bytes) => this.grantCredit(stream, bytes),
      release: (stream, resetCode) => this.release(stream, resetCode),
    };
    this.streams = new StreamTable(options.isInitiator, maxStreams);
    this.scheduler = new Scheduler(
      (frame) => this.controlSent(frame),
      () => {
        if (!this.destroyed) this.options.onWritable();
      },
    );
  }

  /** Streams open now, opened by either side. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Counters for stats. */
  get stats(): MuxStats {
    return {
      streamsOpen: this.streams.size,
      dataBytesSent: this.scheduler.bytesSent,
      dataBytesReceived: this.dataBytesReceived,
    };
  }

  /**
   * Opens a stream to `service` (an ASCII token). OPEN goes out with the next
   * `pull`, and data written at once may share its record. Throws a LinkError
   * `ERR_LINK_CLOSED`, `ERR_GOING_AWAY` or `ERR_TOO_MANY_STREAMS`, and a
   * RangeError for a bad service or metadata over 4,096 bytes.
   */
  openStream(service: string, metadata: Buffer = Buffer.alloc(0)): MuxStream {
    if (!isToken(service)) {
      throw new RangeError(`service is not a token: ${JSON.stringify(service)}`);
    }
    if (metadata.length > MAX_METADATA) throw new RangeError(`metadata over ${MAX_METADATA} bytes`);
    if (this.destroyed) throw new LinkError("ERR_LINK_CLOSED", "the link is closed");
    if (this.goAwayQueued || this.remoteGoAway) {
      throw new LinkError("ERR_GOING_AWAY", "the link is shutting down");
    }
    const id = this.streams.nextId();
    const stream = new MuxStream(this.host, {
      id,
      service,
      metadata,
      isLocal: true,
      receiveCredit: this.receiveWindow,
    });
    this.streams.add(stream);
    this.queueControl(encodeOpen(id, service, metadata));
    this.growWindow(stream);
    return stream;
  }

  /**
   * Handles one decrypted record. Throws a WireError on a protocol violation,
   * after destroying the mux; the caller then ends the link. DATA payloads
   * are kept as views: `plaintext` must not be reused afterwards.
   */
  receiveRecord(plaintext: Buffer): void {
    if (this.destroyed) return;
    try {
      const frames = decodeRecord(plaintext);
      this.lastActivity = performance.now();
      for (const frame of frames) {
        if (this.destroyed) return;
        this.handle(frame);
      }
    } catch (err: unknown) {
      if (err instanceof WireError) this.destroy(err);
      throw err;
    }
  }

  /**
   * The frames of the next record, at most `maxBytes` (use 65,519) in total,
   * in order; DATA headers and payloads are separate Buffers. Null when
   * nothing can be sent. Payloads are views of the application's chunks,
   * which are released on the next tick: encrypt or copy them before that.
   */
  pull(maxBytes: number): Buffer[] | null {
    if (this.destroyed) return null;
    const frames = this.scheduler.pull(maxBytes);
    this.checkIdle();
    return frames;
  }

  /** Sends PING; resolves with the round-trip time in ms when ACK comes back. */
  ping(): Promise<number> {
    if (this.destroyed) {
      return Promise.reject(new LinkError("ERR_LINK_CLOSED", "the link is closed"));
    }
    const { frame, rtt } = this.pings.start();
    this.queueControl(frame);
    return rtt;
  }

  /**
   * Sends GOAWAY with `code` (`OK` for a normal shutdown): no new streams
   * either way, open ones run to their end, then `onIdle`.
   */
  goAway(code = "OK"): void {
    if (!isToken(code)) throw new RangeError(`GOAWAY code is not a token: ${JSON.stringify(code)}`);
    if (this.destroyed || this.goAwayQueued) return;
    this.goAwayQueued = true;
    this.queueControl(encodeGoAway(code));
  }

  /**
   * Ends everything now: every open stream is destroyed with a LinkError
   * `ERR_LINK_CLOSED` (cause `err`), pending pings reject the same way, and
   * `pull` returns null from now on.
   */
  destroy(err?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const closed = new LinkError("ERR_LINK_CLOSED", "the link closed", { cause: err });
    this.scheduler.clear();
    for (const stream of this.streams.clear()) stream.abort(closed);
    this.pings.rejectAll(closed);
  }

  private wantsToSend(stream: MuxStream): void {
    if (this.destroyed) return;
    this.scheduler.schedule(stream);
    this.options.onWritable();
  }

  private grantCredit(stream: MuxStream, bytes: number): void {
    if (this.destroyed) return;
    this.scheduler.pushWindow(stream, bytes);
    this.options.onWritable();
  }

  /** Forgets a closed stream; sends RESET with `resetCode` unless null. */
  private release(stream: MuxStream, resetCode: string | null): void {
    if (!this.streams.remove(stream)) return;
    if (resetCode !== null && !this.destroyed) {
      // A local stream's OPEN is always queued before this RESET, so the peer
      // never sees a RESET for an id it does not know.
      this.queueControl(encodeReset(stream.id, resetCode));
    }
    this.checkIdle();
  }

  /** Queues a whole control frame (null: nothing to queue). */
  private queueControl(frame: Buffer | null): void {
    if (frame === null) return;
    this.scheduler.pushControl(frame);
    this.options.onWritable();
  }

  private handle(frame: Frame): void {
    switch (frame.type) {
      case FrameType.Data: {
        this.dataBytesReceived += frame.payload.length;
        this.streams.lookup(frame.streamId)?.receiveData(frame.payload, frame.fin);
        return;
      }
      case FrameType.Open:
        this.handleOpen(frame);
        return;
      case FrameType.Window:
        if (this.streams.lookup(frame.streamId)?.receiveWindow(frame.increment))
          this.options.onWritable();
        return;
      case FrameType.Reset: {
        const stream = this.streams.lookup(frame.streamId);
        if (stream === undefined) return;
        this.release(stream, null);
        stream.receiveReset(frame.code);
        return;
      }
      case FrameType.Ping:
        if (frame.ack) this.pings.answered(frame.payload);
        else this.queueControl(this.pings.answer(frame.payload));
        return;
      case FrameType.GoAway:
        if (this.remoteGoAway) return;
        this.remoteGoAway = true;
        this.options.onRemoteGoAway?.(frame.code);
        this.goAway("OK");
        this.checkIdle();
        return;
    }
  }

  private handleOpen(frame: OpenFrame): void {
    const id = frame.streamId;
    const belowLimit = this.streams.acceptRemoteId(id);
    let refusal: string | null = null;
    if (this.goAwayQueued || this.remoteGoAway) refusal = "ERR_GOING_AWAY";
    else if (!belowLimit) refusal = "ERR_TOO_MANY_STREAMS";
    else if (this.options.onStream === undefined) refusal = "ERR_UNKNOWN_SERVICE";
    if (refusal !== null) {
      this.queueControl(encodeReset(id, refusal));
      return;
    }
    const stream = new MuxStream(this.host, {
      id,
      service: frame.service,
      // Copied so a long-lived stream does not pin the whole record.
      metadata: Buffer.from(frame.metadata),
      isLocal: false,
      receiveCredit: this.receiveWindow,
    });
    this.streams.add(stream);
    this.options.onStream?.(stream);
    if (stream.attached) this.growWindow(stream);
  }

  /** Grants the peer the rest of our receive window beyond the initial one. */
  private growWindow(stream: MuxStream): void {
    const growth = this.receiveWindow - INITIAL_WINDOW;
    if (growth > 0) {
      this.scheduler.pushWindow(stream, growth);
      this.options.onWritable();
    }
  }

  private controlSent(frame: Buffer): void {
    switch (frame[0]) {
      case FrameType.Open:
        this.streams.announced(frame.readUInt32BE(2));
        return;
      case FrameType.Ping:
        this.pings.sent(frame);
        return;
      case FrameType.GoAway:
        this.goAwaySent = true;
        return;
    }
  }

  private checkIdle(): void {
    if (this.idleReported || !this.goAwaySent || !this.remoteGoAway) return;
    if (this.streams.size > 0 || !this.scheduler.controlIdle) return;
    this.idleReported = true;
    // Next tick: the caller must first send the record holding our GOAWAY.
    process.nextTick(() => {
      if (!this.destroyed) this.options.onIdle?.();
    });
  }
}
