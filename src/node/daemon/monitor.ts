/**
 * Samples every link's stats once a second and keeps the last minutes per
 * peer (throughput in and out, RTT, open streams) for live charts. Samples
 * sit in typed arrays aligned on one shared clock, so a peer's history costs
 * a few kilobytes however long the node runs.
 */
import { EventEmitter } from "node:events";
import type { Link } from "../../link/index.js";

/** One link's figures at one tick. */
export interface LinkSample {
  peerId: string;
  peerName: string;
  isInitiator: boolean;
  remoteAddress: string | null;
  openedAt: number;
  bytesIn: number;
  bytesOut: number;
  /** Bytes per second. */
  rateIn: number;
  rateOut: number;
  rttMs: number | null;
  streams: number;
}

export interface Tick {
  /** Milliseconds since the epoch. */
  t: number;
  links: LinkSample[];
  rateIn: number;
  rateOut: number;
  streams: number;
}

/** Series for a chart: `t` shared, a value per tick (null where the peer had no link). */
export interface History {
  t: number[];
  rateIn: (number | null)[];
  rateOut: (number | null)[];
  rttMs: (number | null)[];
  streams: (number | null)[];
}

export interface MonitorOptions {
  /** @default 1000 */
  intervalMs?: number;
  /** Ticks kept (300 at 1 s = 5 minutes). @default 300 */
  historySize?: number;
}

const SERIES = ["rateIn", "rateOut", "rttMs", "streams"] as const;

/** Per-peer rings: one Float32Array per series, NaN where there was no link. */
type Rings = Record<(typeof SERIES)[number], Float32Array>;

export class Monitor extends EventEmitter<{ tick: [tick: Tick] }> {
  private readonly size: number;
  private readonly times: Float64Array;
  private readonly rings = new Map<string, Rings>();
  private readonly totals: Rings;
  /** Ticks taken so far; the ring slot of tick n is n % size. */
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;
  private last: Tick | undefined;

  constructor(
    private readonly node: { links(): Link[] },
    private readonly options: MonitorOptions = {},
  ) {
    super();
    this.size = options.historySize ?? 300;
    this.times = new Float64Array(this.size);
    this.totals = this.newRings();
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The latest tick (taken now if none yet). */
  latest(): Tick {
    return this.last ?? this.sample();
  }

  /** Takes a tick now: samples every link, stores it, emits `tick`. */
  sample(): Tick {
    const t = Date.now();
    const slot = this.ticks % this.size;
    this.times[slot] = t;
    for (const rings of this.rings.values())
      for (const name of SERIES) rings[name][slot] = Number.NaN;
    const tick: Tick = { t, links: this.current(), rateIn: 0, rateOut: 0, streams: 0 };
    const seen = new Map<string, LinkSample>();
    for (const sample of tick.links) {
      tick.rateIn += sample.rateIn;
      tick.rateOut += sample.rateOut;
      tick.streams += sample.streams;
      // Several links with one peer add up; the RTT is the lowest.
      const merged = seen.get(sample.peerId);
      seen.set(sample.peerId, merged ? mergeSamples(merged, sample) : sample);
    }
    for (const [peerId, sample] of seen) {
      let rings = this.rings.get(peerId);
      if (rings === undefined) {
        rings = this.newRings();
        this.rings.set(peerId, rings);
      }
      rings.rateIn[slot] = sample.rateIn;
      rings.rateOut[slot] = sample.rateOut;
      rings.rttMs[slot] = sample.rttMs ?? Number.NaN;
      rings.streams[slot] = sample.streams;
    }
    this.totals.rateIn[slot] = tick.rateIn;
    this.totals.rateOut[slot] = tick.rateOut;
    this.totals.rttMs[slot] = Number.NaN;
    this.totals.streams[slot] = tick.streams;
    this.ticks++;
    this.last = tick;
    this.emit("tick", tick);
    return tick;
  }

  /** Every open link's figures now (not recorded). */
  current(): LinkSample[] {
    return this.node.links().map((link) => {
      const s = link.stats();
      return {
        peerId: s.peerId,
        peerName: s.peerName,
        isInitiator: s.isInitiator,
        remoteAddress: s.remoteAddress === undefined ? null : plainAddress(s.remoteAddress),
        openedAt: s.openedAt,
        bytesIn: s.bytesIn,
        bytesOut: s.bytesOut,
        rateIn: Math.round(s.rateIn),
        rateOut: Math.round(s.rateOut),
        rttMs: s.rttMs ?? null,
        streams: s.streams,
      };
    });
  }

  /** The kept history of one peer, or of all links together without `peerId`. */
  history(peerId?: string): History {
    const rings = peerId === undefined ? this.totals : this.rings.get(peerId);
    const count = Math.min(this.ticks, this.size);
    const first = this.ticks - count;
    const out: History = { t: [], rateIn: [], rateOut: [], rttMs: [], streams: [] };
    for (let n = first; n < this.ticks; n++) {
      const slot = n % this.size;
      out.t.push(this.times[slot]!);
      for (const name of SERIES) {
        const value = rings?.[name][slot];
        out[name].push(value === undefined || Number.isNaN(value) ? null : value);
      }
    }
    return out;
  }

  /** Forgets a peer's history (after unpairing). */
  forget(peerId: string): void {
    this.rings.delete(peerId);
  }

  private newRings(): Rings {
    const rings = {} as Rings;
    for (const name of SERIES) rings[name] = new Float32Array(this.size).fill(Number.NaN);
    return rings;
  }
}

/** `[::ffff:1.2.3.4]:5` (IPv4 seen by a dual-stack socket) as `1.2.3.4:5`. */
export function plainAddress(address: string): string {
  return address.replace(/^\[::ffff:(\d+\.\d+\.\d+\.\d+)\]/i, "$1");
}

function mergeSamples(a: LinkSample, b: LinkSample): LinkSample {
  const rtts = [a.rttMs, b.rttMs].filter((rtt): rtt is number => rtt !== null);
  return {
    ...a,
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
    rateIn: a.rateIn + b.rateIn,
    rateOut: a.rateOut + b.rateOut,
    rttMs: rtts.length > 0 ? Math.min(...rtts) : null,
    streams: a.streams + b.streams,
  };
}
