/**
 * Monitoring: this node's totals, live throughput of all links, then each
 * link with its own throughput and RTT, and the errors seen since the start.
 */
import { useEffect } from "preact/hooks";
import { bytes, duration, rate } from "../format.js";
import { href } from "../router.js";
import {
  emptyHistory,
  lastTick,
  logEntries,
  peerSeries,
  status,
  totalSeries,
  watchPeer,
} from "../state.js";
import { RttChart, ThroughputChart, Tile } from "./peer-charts.js";

export function MonitorPage() {
  const tick = lastTick.value;
  const links = tick?.links ?? [];
  const total = totalSeries.value;
  const node = status.value?.node;
  const errors = countErrors();
  return (
    <section class="page monitor-page">
      <h1>Monitor</h1>
      <div class="stat-tiles">
        <Tile label="Links" value={String(links.length)} testId="tile-links" />
        <Tile label="Streams" value={String(tick?.streams ?? 0)} />
        <Tile label="In" value={rate(tick?.rateIn ?? 0)} testId="tile-in" />
        <Tile label="Out" value={rate(tick?.rateOut ?? 0)} testId="tile-out" />
        <Tile
          label="Up for"
          value={node ? duration((Date.now() - Date.parse(node.startedAt)) / 1000) : "-"}
        />
      </div>
      <ThroughputChart
        history={total}
        title="All links: throughput"
        testId="total-throughput-chart"
      />
      <h2>Links</h2>
      {links.length === 0 && (
        <p class="muted">No links right now. Paired devices that are online link by themselves.</p>
      )}
      <div class="link-cards">
        {links.slice(0, 24).map((link) => (
          <LinkCard
            key={`${link.peerId}-${link.openedAt}`}
            peerId={link.peerId}
            name={link.peerName}
          />
        ))}
      </div>
      {links.length > 24 && <p class="muted">and {links.length - 24} more links.</p>}
      <h2>Errors</h2>
      {errors.length === 0 ? (
        <p class="muted">No warnings or errors in the recent log.</p>
      ) : (
        <table class="table" data-testid="error-table">
          <tbody>
            {errors.map(([code, count]) => (
              <tr key={code}>
                <td>
                  <code>{code}</code>
                </td>
                <td>{count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted small">
        Prometheus metrics: <code>/metrics</code> with the same token (
        <code>Authorization: Bearer …</code>).
      </p>
    </section>
  );
}

function LinkCard({ peerId, name }: { peerId: string; name: string }) {
  useEffect(() => void watchPeer(peerId).catch(() => {}), [peerId]);
  const history = peerSeries.value[peerId] ?? emptyHistory();
  const link = lastTick.value?.links.find((l) => l.peerId === peerId);
  return (
    <div class="card link-card">
      <header>
        <a href={href("peer", peerId)}>{name}</a>
        <span class="muted small">
          {link?.remoteAddress} ·{" "}
          {link ? `${bytes(link.bytesIn)} in, ${bytes(link.bytesOut)} out` : ""}
        </span>
      </header>
      <ThroughputChart history={history} />
      <RttChart history={history} title="RTT" />
    </div>
  );
}

function countErrors(): [string, number][] {
  const counts = new Map<string, number>();
  for (const entry of logEntries.value) {
    if (entry.level !== "info" && entry.code)
      counts.set(entry.code, (counts.get(entry.code) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}
