/** One peer's link: live throughput and RTT, and the figures of each open link. */
import { bytes, duration, ms, rate } from "../format.js";
import { emptyHistory, lastTick, peerSeries } from "../state.js";
import type { History, PairedPeerView } from "../types.js";
import { Chart } from "./chart.js";

export function PeerCharts({ peer }: { peer: PairedPeerView }) {
  const history = peerSeries.value[peer.id] ?? emptyHistory();
  const links = (lastTick.value?.links ?? []).filter((link) => link.peerId === peer.id);
  return (
    <div class="peer-charts">
      <div class="stat-tiles">
        <Tile label="RTT" value={ms(peer.rttMs)} />
        <Tile label="In" value={rate(peer.rateIn)} />
        <Tile label="Out" value={rate(peer.rateOut)} />
        <Tile label="Streams" value={String(peer.streams)} />
      </div>
      <ThroughputChart history={history} testId="peer-throughput-chart" />
      <RttChart history={history} title="Round-trip time" testId="peer-rtt-chart" />
      {links.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th>Link</th>
              <th>Address</th>
              <th>Received</th>
              <th>Sent</th>
              <th>Up for</th>
            </tr>
          </thead>
          <tbody>
            {links.map((link) => (
              <tr key={link.openedAt}>
                <td>{link.isInitiator ? "we dialled" : "it dialled"}</td>
                <td>{link.remoteAddress ?? "-"}</td>
                <td>{bytes(link.bytesIn)}</td>
                <td>{bytes(link.bytesOut)}</td>
                <td>{duration((Date.now() - link.openedAt) / 1000)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No link with {peer.name} right now.</p>
      )}
    </div>
  );
}

export function Tile({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div class="tile" data-testid={testId}>
      <div class="tile-label">{label}</div>
      <div class="tile-value">{value}</div>
    </div>
  );
}

/** Bytes per second in and out over `history`'s times. */
export function ThroughputChart({
  history,
  title = "Throughput",
  testId,
}: {
  history: Pick<History, "t" | "rateIn" | "rateOut">;
  title?: string;
  testId?: string;
}) {
  return (
    <Chart
      title={title}
      t={history.t}
      series={[
        { label: "in", values: history.rateIn, color: "var(--in)" },
        { label: "out", values: history.rateOut, color: "var(--out)" },
      ]}
      format={rate}
      testId={testId}
    />
  );
}

/** The round-trip time over `history`'s times. */
export function RttChart({
  history,
  title,
  testId,
}: {
  history: Pick<History, "t" | "rttMs">;
  title: string;
  testId?: string;
}) {
  return (
    <Chart
      title={title}
      t={history.t}
      series={[{ label: "RTT", values: history.rttMs, color: "var(--rtt)" }]}
      format={ms}
      testId={testId}
    />
  );
}
