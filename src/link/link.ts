/**
 * A Link: one authenticated, encrypted connection to one peer, carrying many
 * streams. Wires a transport, the record layer and the mux together, and
 * runs keepalive. Created by `upgrade()` once the handshake is done.
 */
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { HandshakeError, LinkError, WalkieError, WireError } from "../errors.js";
import { encodeGoAway, MAX_RECORD_PLAINTEXT } from "../wire/index.js";
import type { PeerInfo } from "./handshake.js";
import { Mux, type MuxStream } from "./mux.js";
import { RateMeter } from "./rate-meter.js";
import type { AeadBackend } from "./record-aead.js";
import { RecordStallWatch } from "./record-stall.js";
import { RecordOpener, RecordSealer } from "./records.js";

export interface LinkStats {
  peerId: string;
  peerName: string;
  isInitiator: boolean;
  remoteAddress: string | undefined;
  /** Milliseconds since the epoch when the link came up. */
  openedAt: number;
  /** Bytes on the wire, records and overhead included. */
  bytesIn: number;
  bytesOut: number;
  /** Bytes per second over the last two seconds. */
  rateIn: number;
  rateOut: number;
  /** Last measured round-trip time in ms, undefined before the first ping. */
  rttMs: number | undefined;
  streams: number;
}

export interface LinkTimers {
  /** Ping this often (gives the RTT and detects a dead peer). @default 15000 */
  keepaliveMs?: number;
  /** No traffic for keepalive plus this long ends the link. @default 30000 */
  keepaliveTimeoutMs?: number;
  /**
   * A record begun but not finished, with no byte arriving for this long,
   * ends the link (ERR_PEER_TIMEOUT): on a serial line a corrupted length
   * byte would otherwise wait for bytes that never come. Shorter than the
   * keepalive interval, so the peer's pings cannot hide it. 0 turns it off.
   * @default min(10000, keepaliveMs / 2) over a transport that may corrupt
   * bytes (`corruptible`, a serial port); off elsewhere (TCP checks its
   * bytes, and a network pause mid-record is no reason to drop a link)
   */
  recordStallMs?: number;
}

export interface LinkInit extends LinkTimers {
  transport: Duplex;
  isInitiator: boolean;
  peer: PeerInfo;
  sendKey: Buffer;
  receiveKey: Buffer;
  handshakeHash: Buffer;
  leftover: Buffer[];
  remoteAddress?: string;
  /** Per-stream receive window in bytes. @default 1 MiB */
  receiveWindow?: number;
  /**
   * Called with each stream the peer opens, from the first record on (so
   * none is missed between the handshake and the caller's setup). Without
   * it, peer streams are refused with ERR_UNKNOWN_SERVICE.
   */
  onStream?: (stream: MuxStream, link: Link) => void;
}

/** Node's buffer in front of the socket is kept this small so an urgent frame never waits long. */
const MAX_QUEUED_BYTES = 256 * 1024;

/** Events: `close` (error or undefined) once, when the link is gone. */
export class Link extends EventEmitter {
  readonly peer: PeerInfo;
  readonly isInitiator: boolean;
  readonly remoteAddress: string | undefined;
  readonly handshakeHash: Buffer;
  readonly openedAt = Date.now();
  /** Resolves when the first record from the peer has been authenticated. */
  readonly confirmed: Promise<void>;
  closed = false;

  /** Which implementation seals and opens this link's ChaCha20-Poly1305 records. */
  get recordCrypto(): AeadBackend {
    return this.sealer.backend;
  }

  private readonly transport: Duplex;
  private readonly mux: Mux;
  private readonly sealer: RecordSealer;
  private readonly opener: RecordOpener;
  private readonly rateIn = new RateMeter();
  private readonly rateOut = new RateMeter();
  private bytesIn = 0;
  private bytesOut = 0;
  private recordsReceived = 0;
  private rttMs: number | undefined;
  private flushQueued = false;
  private waitingForDrain = false;
  private remoteGoAwayCode: string | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly recordStall: RecordStallWatch | undefined;
  private confirm!: () => void;
  private refuse!: (err: Error) => void;
  private closeError: WalkieError | undefined;

  constructor(init: LinkInit) {
    super();
    this.peer = init.peer;
    this.isInitiator = init.isInitiator;
    this.remoteAddress = init.remoteAddress;
    this.handshakeHash = init.handshakeHash;
    this.transport = init.transport;
    this.sealer = new RecordSealer(init.sendKey);
    this.opener = new RecordOpener(init.receiveKey);
    init.sendKey.fill(0);
    init.receiveKey.fill(0);
    this.confirmed = new Promise((resolve, reject) => {
      this.confirm = resolve;
      this.refuse = reject;
    });
    this.confirmed.catch(() => {});
    this.mux = new Mux({
      isInitiator: init.isInitiator,
      receiveWindow: init.receiveWindow,
      onWritable: () => this.scheduleFlush(),
      onStream: init.onStream
        ? (stream) => init.onStream!(stream, this)
        : (stream) => stream.reset("ERR_UNKNOWN_SERVICE"),
      onRemoteGoAway: (code) => {
        this.remoteGoAwayCode = code;
      },
      onIdle: () => this.transport.end(),
    });
    const stallMs =
      init.recordStallMs ??
      (isCorruptible(init.transport) ? Math.min(10_000, (init.keepaliveMs ?? 15_000) / 2) : 0);
    this.recordStall =
      stallMs > 0
        ? new RecordStallWatch(
            stallMs,
            { partialBytes: () => this.opener.partialBytes, bytesIn: () => this.bytesIn },
            () => this.recordStalled(stallMs),
          )
        : undefined;
    this.wireTransport(init.leftover);
    this.startKeepalive(init);
    // The responder speaks first after the handshake, so the initiator knows
    // it was accepted; the ping also gives a first RTT.
    if (!this.isInitiator) this.ping().catch(() => {});
  }

  /** Opens a stream to `service` on the peer; data may be written at once. */
  openStream(service: string, metadata?: Buffer): MuxStream {
    return this.mux.openStream(service, metadata);
  }

  /** Measures the round-trip time in ms; rejects with ERR_PING_TIMEOUT (default after 30 s). */
  async ping(options: { timeoutMs?: number } = {}): Promise<number> {
    const { timeoutMs = 30_000 } = options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LinkError("ERR_PING_TIMEOUT", `no answer to a ping in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      this.rttMs = await Promise.race([this.mux.ping(), timeout]);
      return this.rttMs;
    } finally {
      clearTimeout(timer);
    }
  }

  stats(): LinkStats {
    return {
      peerId: this.peer.id,
      peerName: this.peer.name,
      isInitiator: this.isInitiator,
      remoteAddress: this.remoteAddress,
      openedAt: this.openedAt,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      rateIn: this.rateIn.rate(),
      rateOut: this.rateOut.rate(),
      rttMs: this.rttMs,
      streams: this.mux.streamCount,
    };
  }

  /**
   * Graceful close: GOAWAY, let open streams finish, then close the
   * transport. After `timeoutMs` the link is destroyed instead.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    const { timeoutMs = 5_000 } = options;
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.once("close", () => resolve()));
    this.mux.goAway("OK");
    const timer = setTimeout(
      () =>
        this.destroy(
          new LinkError("ERR_CLOSE_TIMEOUT", `streams still open after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    timer.unref();
    return done.finally(() => clearTimeout(timer));
  }

  /** Ends the link now; open streams fail with ERR_LINK_CLOSED. */
  destroy(err?: WalkieError): void {
    if (this.closed) return;
    this.closeError ??= err;
    this.mux.destroy(err);
    this.transport.destroy();
    this.finish();
  }

  /**
   * The peer broke the protocol: our sending direction still works, so tell
   * it why in a last GOAWAY record before closing, then let it drain.
   */
  private tellPeerAndDestroy(err: WalkieError): void {
    if (!this.closed && this.transport.writable) {
      this.transport.end(this.sealer.seal([encodeGoAway(err.code)]));
      const transport = this.transport;
      setTimeout(() => transport.destroy(), 2_000).unref();
      this.closeError ??= err;
      this.mux.destroy(err);
      this.finish();
      return;
    }
    this.destroy(err);
  }

  private wireTransport(leftover: Buffer[]): void {
    const transport = this.transport;
    transport.on("data", (chunk: Buffer) => this.receive(chunk));
    transport.on("end", () => {
      if (this.remoteGoAwayCode === undefined) {
        this.destroy(
          new LinkError(
            "ERR_PEER_VANISHED",
            `${this.peer.name} closed the connection without saying goodbye`,
          ),
        );
      } else if (transport.writableEnded) {
        this.finish();
      } else {
        // The peer said goodbye and stopped sending: nothing more can arrive
        // for our open streams, so end our side too instead of waiting.
        transport.end();
        this.finish();
      }
    });
    transport.on("error", (err: Error) => {
      this.destroy(
        new LinkError("ERR_PEER_VANISHED", `connection to ${this.peer.name} lost: ${err.message}`, {
          cause: err,
        }),
      );
    });
    transport.on("close", () => {
      if (this.remoteGoAwayCode === undefined && !this.closed) {
        this.destroy(new LinkError("ERR_PEER_VANISHED", `connection to ${this.peer.name} lost`));
      }
      this.finish();
    });
    transport.on("finish", () => {
      if (transport.readableEnded) this.finish();
    });
    for (const chunk of leftover) this.receive(chunk);
    transport.resume();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.bytesIn += chunk.length;
    this.rateIn.add(chunk.length);
    try {
      this.opener.push(chunk, (plaintext) => {
        this.recordsReceived++;
        this.mux.receiveRecord(plaintext);
      });
    } catch (err: unknown) {
      if (!(err instanceof WalkieError)) throw err;
      this.tellPeerAndDestroy(err);
      return;
    }
    this.recordStall?.observe();
    const code = this.remoteGoAwayCode;
    if (code !== undefined && code !== "OK" && this.closeError === undefined) {
      this.destroy(goAwayError(code, this.peer.name));
      return;
    }
    // Checked after the GOAWAY test: a refusal must not count as confirmation.
    if (this.recordsReceived > 0) this.confirm();
  }

  private recordStalled(stallMs: number): void {
    if (this.closed) return;
    this.tellPeerAndDestroy(
      new LinkError(
        "ERR_PEER_TIMEOUT",
        `${this.peer.name} stopped halfway through a record (${this.opener.partialBytes} bytes, then nothing for ${stallMs} ms): a corrupted length or a stalled line`,
      ),
    );
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.waitingForDrain || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** Fills and sends records while the transport takes them. */
  private flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    const transport = this.transport;
    let full = false;
    transport.cork();
    try {
      for (;;) {
        if (transport.writableLength >= MAX_QUEUED_BYTES) {
          full = true;
          break;
        }
        const parts = this.mux.pull(MAX_RECORD_PLAINTEXT);
        if (parts === null) break;
        const record = this.sealer.seal(parts);
        transport.write(record);
        this.bytesOut += record.length;
        this.rateOut.add(record.length);
      }
    } finally {
      transport.uncork();
    }
    if (!full) return;
    if (transport.writableLength < MAX_QUEUED_BYTES) {
      // The kernel took it all at uncork: go on filling.
      this.scheduleFlush();
      return;
    }
    this.waitingForDrain = true;
    transport.once("drain", () => {
      this.waitingForDrain = false;
      this.scheduleFlush();
    });
  }

  private startKeepalive(timers: LinkTimers): void {
    const { keepaliveMs = 15_000, keepaliveTimeoutMs = 30_000 } = timers;
    this.keepalive = setInterval(() => {
      if (performance.now() - this.mux.lastActivity > keepaliveMs + keepaliveTimeoutMs) {
        this.destroy(new LinkError("ERR_PEER_TIMEOUT", `${this.peer.name} stopped answering`));
        return;
      }
      this.ping().catch(() => {});
    }, keepaliveMs);
    this.keepalive.unref();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    this.recordStall?.stop();
    this.mux.destroy(this.closeError);
    this.refuse(
      this.closeError ??
        new LinkError("ERR_LINK_CLOSED", "the link closed before the peer confirmed it"),
    );
    this.emit("close", this.closeError);
  }
}

/** A transport that may deliver corrupted bytes says so (serial ports do). */
function isCorruptible(transport: Duplex): boolean {
  return (transport as Duplex & { corruptible?: boolean }).corruptible === true;
}

function goAwayError(code: string, peerName: string): WalkieError {
  if (code === "ERR_PEER_NOT_ALLOWED") {
    return new HandshakeError(
      "ERR_PEER_REFUSED_US",
      `${peerName} does not accept this device (not on its allow list)`,
    );
  }
  return new WireError(code, `${peerName} closed the link, reporting ${code} about what we sent`);
}
