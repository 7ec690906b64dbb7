/**
 * Fills records for a Mux: every pending control frame first, then DATA
 * round-robin over the streams with data and credit, one frame per stream per
 * round, until the record is full. The per-record work is a few object
 * allocations: payloads are views of the application's chunks and headers are
 * carved from a slab that is never overwritten.
 */
import {
  FLAG_FIN,
  FRAME_HEADER_SIZE,
  FrameType,
  MAX_CONTROL_FRAME,
  MAX_RECORD_PLAINTEXT,
  WINDOW_PAYLOAD_SIZE,
  writeFrameHeader,
} from "../wire/index.js";
import type { MuxStream } from "./mux-stream.js";

/** A whole encoded control frame, or a stream whose WINDOW credit is due. */
type ControlItem = Buffer | MuxStream;

const WINDOW_FRAME_SIZE = FRAME_HEADER_SIZE + WINDOW_PAYLOAD_SIZE;
const SLAB_SIZE = 64 * 1024;
/** An idle link's first slab is small (many idle links must stay cheap); busy ones grow to SLAB_SIZE. */
const FIRST_SLAB_SIZE = 2 * 1024;

function runDueCallbacks(streams: MuxStream[], onWritable: () => void): void {
  let pending = false;
  for (const stream of streams) {
    stream.runDueCallbacks();
    pending ||= stream.canSend();
  }
  // A held-back tail may go now, whether or not its writer wrote more.
  if (pending) onWritable();
}

/** The send side of a Mux: queues, round-robin, and record filling. */
export class Scheduler {
  /** DATA payload bytes handed out so far. */
  bytesSent = 0;

  private control: ControlItem[] = [];
  private controlHead = 0;
  private readonly streams: MuxStream[] = [];
  private next = 0;
  private slab = Buffer.allocUnsafeSlow(FIRST_SLAB_SIZE);
  private slabUsed = 0;

  /**
   * @param onControlSent told of each whole control frame as it goes out
   * @param onWritable told when held-back data may go out again
   */
  constructor(
    private readonly onControlSent: (frame: Buffer) => void,
    private readonly onWritable: () => void,
  ) {}

  /** True when no control frame waits. */
  get controlIdle(): boolean {
    return this.controlHead === this.control.length;
  }

  /** Queues an encoded control frame. */
  pushControl(frame: Buffer): void {
    this.control.push(frame);
  }

  /** Adds WINDOW credit for `stream`, merged with any not yet sent. */
  pushWindow(stream: MuxStream, credit: number): void {
    if (stream.windowPending === 0) this.control.push(stream);
    stream.windowPending += credit;
  }

  /** Puts `stream` in the round-robin if it is not there yet. */
  schedule(stream: MuxStream): void {
    if (stream.scheduled) return;
    stream.scheduled = true;
    this.streams.push(stream);
  }

  /** Drops every queue (the mux is destroyed). */
  clear(): void {
    this.control = [];
    this.controlHead = 0;
    for (const stream of this.streams) stream.scheduled = false;
    this.streams.length = 0;
  }

  /** Frames for one record of at most `maxBytes`, or null if nothing can go. */
  pull(maxBytes: number): Buffer[] | null {
    if (maxBytes < MAX_CONTROL_FRAME) {
      throw new RangeError(`a record must have room for ${MAX_CONTROL_FRAME} bytes`);
    }
    const out: Buffer[] = [];
    let room = Math.min(maxBytes, MAX_RECORD_PLAINTEXT);
    room = this.pullControl(out, room);
    // DATA may only follow once every OPEN before it has gone out.
    if (this.controlIdle && this.streams.length > 0) this.pullData(out, room);
    return out.length > 0 ? out : null;
  }

  private pullControl(out: Buffer[], room: number): number {
    const control = this.control;
    while (this.controlHead < control.length) {
      const item = control[this.controlHead]!;
      if (Buffer.isBuffer(item)) {
        if (item.length > room) break;
        out.push(item);
        room -= item.length;
        this.onControlSent(item);
      } else {
        if (WINDOW_FRAME_SIZE > room) break;
        const credit = item.windowPending;
        item.windowPending = 0;
        // Credit for a stream that is gone or whose peer has finished is moot.
        if (item.attached && !item.remoteEnded) {
          const frame = this.carve(WINDOW_FRAME_SIZE);
          writeFrameHeader(frame, 0, FrameType.Window, 0, item.id, WINDOW_PAYLOAD_SIZE);
          frame.writeUInt32BE(credit, FRAME_HEADER_SIZE);
          out.push(frame);
          room -= WINDOW_FRAME_SIZE;
        }
      }
      this.controlHead++;
    }
    if (this.controlHead === control.length) {
      control.length = 0;
      this.controlHead = 0;
    }
    return room;
  }

  private pullData(out: Buffer[], room: number): void {
    const list = this.streams;
    const n = list.length;
    const start = this.next < n ? this.next : 0;
    let due: MuxStream[] | null = null;
    let lastServed = -1;
    let progressed = true;
    while (progressed && room > FRAME_HEADER_SIZE) {
      progressed = false;
      let i = start;
      for (let k = 0; k < n && room > FRAME_HEADER_SIZE; k++, i = i + 1 === n ? 0 : i + 1) {
        const stream = list[i]!;
        if (!stream.canSend()) continue;
        const hadDue = stream.callbacksDue;
        const payload = stream.takePayload(room - FRAME_HEADER_SIZE);
        if (stream.callbacksDue && !hadDue) {
          due ??= [];
          due.push(stream);
        }
        const header = this.carve(FRAME_HEADER_SIZE);
        const flags = stream.localEnded ? FLAG_FIN : 0;
        writeFrameHeader(header, 0, FrameType.Data, flags, stream.id, payload.length);
        out.push(header);
        if (payload.length > 0) out.push(payload);
        room -= FRAME_HEADER_SIZE + payload.length;
        this.bytesSent += payload.length;
        lastServed = i;
        progressed = true;
      }
    }
    this.compact(lastServed >= 0 ? (lastServed + 1) % n : start);
    // Writers may reuse a chunk once its callback runs, so callbacks wait until
    // the caller has encrypted this record (synchronously, before the tick ends).
    if (due !== null) process.nextTick(runDueCallbacks, due, this.onWritable);
  }

  /** Drops streams with nothing left to send; the next round starts at `first`. */
  private compact(first: number): void {
    const list = this.streams;
    let kept = 0;
    let next = 0;
    for (let i = 0; i < list.length; i++) {
      if (i === first) next = kept;
      const stream = list[i]!;
      if (stream.hasPending()) list[kept++] = stream;
      else stream.scheduled = false;
    }
    list.length = kept;
    this.next = kept > 0 ? next % kept : 0;
  }

  /** A fresh view of `size` bytes; slab bytes are never reused once handed out. */
  private carve(size: number): Buffer {
    if (this.slabUsed + size > this.slab.length) {
      // Each new slab doubles, up to SLAB_SIZE: a link that sends a lot
      // soon carves from 64 KiB slabs, one that idles keeps 2 KiB.
      const next = Math.min(SLAB_SIZE, Math.max(this.slab.length * 2, size));
      this.slab = Buffer.allocUnsafeSlow(next);
      this.slabUsed = 0;
    }
    const view = this.slab.subarray(this.slabUsed, this.slabUsed + size);
    this.slabUsed += size;
    return view;
  }
}
