/**
 * PING bookkeeping of a Mux: the pings we sent and wait for, and a cap on the
 * answers we owe, so a peer flooding PINGs cannot grow our queue.
 */
import { performance } from "node:perf_hooks";
import { LinkError } from "../errors.js";
import { encodePing, FLAG_ACK, FRAME_HEADER_SIZE } from "../wire/index.js";

/** PING answers queued at most; a peer sending more goes unanswered. */
const MAX_QUEUED_ANSWERS = 16;
/** Our pings awaiting an answer at most; the oldest is given up beyond it. */
const MAX_PENDING_PINGS = 64;

interface PendingPing {
  /** performance.now() when the PING went out, -1 while it is queued. */
  sentAt: number;
  resolve: (rtt: number) => void;
  reject: (err: Error) => void;
}

/** Outstanding pings and owed answers. */
export class PingTracker {
  private readonly pending = new Map<number, PendingPing>();
  private seq = 0;
  private queuedAnswers = 0;

  /** A new PING frame to queue, and the promise of its round-trip time. */
  start(): { frame: Buffer; rtt: Promise<number> } {
    this.seq = (this.seq + 1) >>> 0;
    const seq = this.seq;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(seq, 4);
    if (this.pending.size >= MAX_PENDING_PINGS) {
      // A peer that drops answers must not make this map grow forever.
      const [oldest, ping] = this.pending.entries().next().value as [number, PendingPing];
      this.pending.delete(oldest);
      ping.reject(new LinkError("ERR_PING_TIMEOUT", "too many pings unanswered"));
    }
    const rtt = new Promise<number>((resolve, reject) => {
      this.pending.set(seq, { sentAt: -1, resolve, reject });
    });
    return { frame: encodePing(payload, false), rtt };
  }

  /** A PING frame (ours or an answer) went out; the clock starts now. */
  sent(frame: Buffer): void {
    if ((frame[1]! & FLAG_ACK) !== 0) {
      this.queuedAnswers--;
      return;
    }
    const ping = this.pending.get(frame.readUInt32BE(FRAME_HEADER_SIZE + 4));
    if (ping !== undefined) ping.sentAt = performance.now();
  }

  /** The ACK frame answering the peer's PING, or null past the cap. */
  answer(payload: Buffer): Buffer | null {
    if (this.queuedAnswers >= MAX_QUEUED_ANSWERS) return null;
    this.queuedAnswers++;
    return encodePing(payload, true);
  }

  /** The peer's ACK came in; resolves the matching ping, if any. */
  answered(payload: Buffer): void {
    const seq = payload.readUInt32BE(4);
    const ping = this.pending.get(seq);
    if (ping === undefined || ping.sentAt < 0 || payload.readUInt32BE(0) !== 0) return;
    this.pending.delete(seq);
    ping.resolve(performance.now() - ping.sentAt);
  }

  /** Rejects every outstanding ping. */
  rejectAll(err: Error): void {
    for (const ping of this.pending.values()) ping.reject(err);
    this.pending.clear();
  }
}
