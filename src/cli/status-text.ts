/** `walkie status` for people: the node, its links as a table, the peers that are away. */
import type { NodeStatus } from "../index.js";

export function formatStatus(status: NodeStatus, control: string): string {
  const { node, totals } = status;
  const lines = [
    `${node.name}  ${node.id}`,
    `up ${duration(node.uptimeS)}, pid ${node.pid}, peers link to port ${node.port}, control ${control}`,
    `${count(totals.links, "link")}, ${count(totals.streams, "stream")} open, in ${rate(totals.rateIn)}, out ${rate(totals.rateOut)}`,
  ];
  if (status.links.length > 0) {
    const rows = status.links.map((link) => [
      link.peerName,
      link.remoteAddress ?? "-",
      link.rttMs === null ? "-" : `${link.rttMs.toFixed(1)} ms`,
      bytes(link.bytesIn),
      bytes(link.bytesOut),
      rate(link.rateIn),
      rate(link.rateOut),
      String(link.streams),
      duration(Math.round((Date.now() - link.openedAt) / 1000)),
    ]);
    const header = ["PEER", "ADDRESS", "RTT", "IN", "OUT", "RATE IN", "RATE OUT", "STREAMS", "UP"];
    lines.push("", ...table([header, ...rows]));
  }
  const away = status.peers.paired.filter((peer) => !peer.online);
  if (away.length > 0) {
    lines.push("", `Paired, not linked (${away.length}):`);
    for (const peer of away) {
      const seen = peer.lastSeenAt
        ? `last seen ${peer.lastSeenAt.slice(0, 16).replace("T", " ")}`
        : "never seen";
      const next = peer.nextDialAt
        ? `, next try in ${duration(Math.max(0, Math.round((peer.nextDialAt - Date.now()) / 1000)))}`
        : "";
      const why = peer.lastError ? ` (${peer.lastError.code})` : "";
      lines.push(`  ${peer.name}  ${seen}${next}${why}`);
    }
  }
  const moving = status.transfers.filter(
    (t) => !["done", "failed", "rejected", "cancelled"].includes(t.state),
  );
  lines.push(
    "",
    moving.length === 0 ? "No transfers in flight." : `Transfers in flight (${moving.length}):`,
  );
  for (const t of moving) {
    const arrow = t.direction === "in" ? `from ${t.peerName}` : `to ${t.peerName}`;
    const size =
      t.totalBytes === null
        ? bytes(t.doneBytes)
        : `${bytes(t.doneBytes)} of ${bytes(t.totalBytes)}`;
    const speed =
      t.state === "active"
        ? `, ${rate(t.rate)}${t.etaS === null ? "" : `, ${duration(t.etaS)} left`}`
        : "";
    lines.push(`  ${t.names.join(", ")} ${arrow}: ${t.state}, ${size}${speed}`);
  }
  if (status.inbox) lines.push(`Received files go to ${status.inbox}`);
  if (status.pairing.state === "waiting")
    lines.push("", `Pairing code waiting: ${status.pairing.code}`);
  return `${lines.join("\n")}\n`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")}`.trimEnd(),
  );
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Bytes in SI units: 1.2 MB. */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

export function rate(n: number): string {
  return `${bytes(Math.round(n))}/s`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} days`;
}
