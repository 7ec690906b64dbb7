/**
 * The node's Prometheus metrics (served at `/metrics`): links, streams,
 * bytes, RTT, handshakes, dials, transfers, chat and errors. Counters count
 * since the node started; gauges are read from live state at each scrape.
 */
import { shortDeviceId } from "../../crypto/device-id.js";
import { WalkieError } from "../../errors.js";
import type { Link } from "../../link/index.js";
import type { LogBook } from "./log-book.js";
import type { Tick } from "./monitor.js";
import { Registry } from "./prometheus.js";

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BYTES = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly linksOpened = this.registry.counter(
    "walkie_links_opened_total",
    "Links that came up, by who dialled (in: the peer, out: this node).",
  );
  private readonly linksClosed = this.registry.counter(
    "walkie_links_closed_total",
    "Links that closed, by reason (OK for a clean close).",
  );
  private readonly handshakes = this.registry.counter(
    "walkie_handshakes_total",
    "Handshakes by direction and result (ok, or the error code).",
  );
  private readonly dialSeconds = this.registry.histogram(
    "walkie_dial_duration_seconds",
    "Dials to paired peers: connect and handshake, by result.",
    SECONDS,
  );
  private readonly rttSeconds = this.registry.histogram(
    "walkie_link_rtt_seconds",
    "Round-trip times of the links, sampled once a second.",
    SECONDS,
  );
  private readonly closedBytes = this.registry.counter(
    "walkie_closed_link_bytes_total",
    "Bytes carried by links that have closed, by direction.",
  );
  private readonly transfers = this.registry.counter(
    "walkie_transfers_total",
    "Finished file transfers, by direction and result.",
  );
  private readonly transferBytes = this.registry.histogram(
    "walkie_transfer_size_bytes",
    "Sizes of finished file transfers.",
    BYTES,
  );
  private readonly chatMessages = this.registry.counter(
    "walkie_chat_messages_total",
    "Chat messages, by direction.",
  );
  private readonly linkGauge = this.registry.gauge("walkie_links", "Links open now.");
  private readonly streamGauge = this.registry.gauge("walkie_streams", "Streams open now.");
  private readonly bytesGauge = this.registry.gauge(
    "walkie_link_bytes",
    "Bytes carried by each open link so far, by peer (short ID) and direction.",
  );
  private readonly rateGauge = this.registry.gauge(
    "walkie_link_rate_bytes_per_second",
    "Throughput of each open link over the last seconds, by peer and direction.",
  );
  private readonly rttGauge = this.registry.gauge(
    "walkie_link_rtt_last_seconds",
    "The last measured RTT of each open link, by peer.",
  );
  private readonly activeTransfers = this.registry.gauge(
    "walkie_transfers_active",
    "File transfers in flight, by direction.",
  );
  private readonly errors = this.registry.counterFrom(
    "walkie_errors_total",
    "Warnings and errors logged since the start, by code.",
  );
  private readonly memory = this.registry.gauge(
    "walkie_process_resident_memory_bytes",
    "Resident memory of the node's process.",
  );
  private readonly heap = this.registry.gauge(
    "walkie_process_heap_used_bytes",
    "JavaScript heap in use by the node's process.",
  );
  private readonly uptime = this.registry.gauge("walkie_uptime_seconds", "Seconds since start.");

  constructor(
    source: {
      links(): Link[];
      activeTransfers(): { in: number; out: number };
      log: LogBook;
    },
    startedAt = Date.now(),
  ) {
    this.registry.onCollect(() => {
      const links = source.links();
      this.linkGauge.set(links.length);
      this.streamGauge.set(links.reduce((sum, link) => sum + link.stats().streams, 0));
      for (const gauge of [this.bytesGauge, this.rateGauge, this.rttGauge]) gauge.reset();
      for (const link of links) {
        const s = link.stats();
        const peer = shortDeviceId(s.peerId);
        this.bytesGauge.set(s.bytesIn, { peer, direction: "in" });
        this.bytesGauge.set(s.bytesOut, { peer, direction: "out" });
        this.rateGauge.set(s.rateIn, { peer, direction: "in" });
        this.rateGauge.set(s.rateOut, { peer, direction: "out" });
        if (s.rttMs !== undefined) this.rttGauge.set(s.rttMs / 1000, { peer });
      }
      const active = source.activeTransfers();
      this.activeTransfers.set(active.in, { direction: "in" });
      this.activeTransfers.set(active.out, { direction: "out" });
      this.errors.reset();
      for (const [code, count] of source.log.errorCounts) this.errors.set(count, { code });
      const memory = process.memoryUsage();
      this.memory.set(memory.rss);
      this.heap.set(memory.heapUsed);
      this.uptime.set(Math.round((Date.now() - startedAt) / 1000));
    });
  }

  linkUp(link: Link): void {
    const direction = link.isInitiator ? "out" : "in";
    this.linksOpened.inc({ direction });
    this.handshakes.inc({ direction, result: "ok" });
    link.once("close", (err?: WalkieError) => {
      this.linksClosed.inc({ reason: err?.code ?? "OK" });
      const s = link.stats();
      this.closedBytes.inc({ direction: "in" }, s.bytesIn);
      this.closedBytes.inc({ direction: "out" }, s.bytesOut);
    });
  }

  /** An incoming connection failed its handshake. */
  handshakeFailed(err: unknown): void {
    this.handshakes.inc({ direction: "in", result: codeOf(err) });
  }

  /** A dial to a paired peer finished (failures count as outgoing handshakes). */
  dialed(durationMs: number, err: unknown): void {
    const result = err === undefined ? "ok" : codeOf(err);
    this.dialSeconds.observe(durationMs / 1000, { result });
    if (err !== undefined) this.handshakes.inc({ direction: "out", result });
  }

  tick(tick: Tick): void {
    for (const link of tick.links) {
      if (link.rttMs !== null) this.rttSeconds.observe(link.rttMs / 1000);
    }
  }

  transferDone(direction: "in" | "out", result: string, bytes: number): void {
    this.transfers.inc({ direction, result });
    this.transferBytes.observe(bytes);
  }

  chat(direction: "in" | "out"): void {
    this.chatMessages.inc({ direction });
  }

  render(): string {
    return this.registry.render();
  }
}

function codeOf(err: unknown): string {
  return err instanceof WalkieError ? err.code : "ERR_INTERNAL";
}
