/**
 * Turns results into text: the table (rows = metrics, columns = contenders),
 * the notes, the ratios of Walkie against each peer, and the machine line.
 * Pure: takes data, returns lines.
 */

/** Rows of the table; `pick` turns a cell result into the shown number. */
export function rowsFor(config) {
  const size =
    config.size >= 2 ** 30 ? `${config.size / 2 ** 30} GiB` : `${config.size / 2 ** 20} MiB`;
  const ms = (us) => us / 1000;
  return [
    {
      metric: "bulk",
      short: "bulk MB/s",
      label: `bulk ${size} one way, MB/s`,
      higher: true,
      digits: 0,
      pick: (r) => r.mbPerS,
    },
    {
      metric: "rtt",
      short: "RTT median",
      label: "RTT 1 KiB median, µs",
      digits: 0,
      pick: (r) => r.us.median,
    },
    {
      metric: "rtt",
      short: "RTT p99",
      label: "RTT 1 KiB p99, µs",
      digits: 0,
      pick: (r) => r.us.p99,
    },
    {
      metric: "handshake",
      short: "handshake",
      label: "handshake-to-ready median, ms",
      digits: 2,
      pick: (r) => ms(r.us.median),
    },
    {
      metric: "interactive",
      short: "interactive p99",
      label: "interactive p99 under load, ms",
      digits: 2,
      pick: (r) => ms(r.us.p99),
    },
    {
      metric: "interactive",
      short: "interactive med",
      label: "interactive median under load, ms",
      digits: 2,
      pick: (r) => ms(r.us.median),
    },
    {
      metric: "bulk",
      short: "RSS server",
      label: "peak RSS server (bulk), MiB",
      digits: 1,
      pick: (r) => r.serverRssKb / 1024,
    },
    {
      metric: "bulk",
      short: "RSS client",
      label: "peak RSS client (bulk), MiB",
      digits: 1,
      pick: (r) => r.clientRssKb / 1024,
    },
  ].filter((row) => config.metrics.includes(row.metric));
}

/** The number a row shows for a cell, or undefined when there is none. */
function shownValue(row, cell) {
  if (!cell?.ok) return undefined;
  const value = row.pick(cell.result);
  return Number.isFinite(value) ? value : undefined;
}

function shortReason(reason) {
  const line = reason.split("\n")[0];
  return line.length > 24 ? `${line.slice(0, 23)}…` : line;
}

function cellText(row, cell) {
  const value = shownValue(row, cell);
  if (value !== undefined) return value.toFixed(row.digits);
  if (!cell) return "-";
  return cell.ok ? "?" : `${cell.kind}: ${shortReason(cell.reason)}`;
}

function grid(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r.map((text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join("  "),
  );
}

/** The table itself. `columns` are registry entries with `.cells[metric]`. */
export function formatTable(rows, columns) {
  const header = ["metric", ...columns.map((c) => c.label)];
  const body = rows.map((row) => [
    row.label,
    ...columns.map((c) => cellText(row, c.cells[row.metric])),
  ]);
  return grid([header, ...body]);
}

/** Per-contender notes, then every failure in full (first line). */
export function formatNotes(columns, config) {
  const lines = columns.map((c) => `- ${c.label}: ${c.notes.join("; ")}`);
  for (const c of columns) {
    if (c.setupError) {
      lines.push(`- ${c.label}: n/a: set-up failed: ${c.setupError.split("\n")[0]}`);
      continue;
    }
    for (const [metric, cell] of Object.entries(c.cells)) {
      if (!cell.ok)
        lines.push(`- ${c.label} ${metric}: ${cell.kind}: ${cell.reason.split("\n")[0]}`);
      const count = cell.result?.us?.count;
      if (metric === "interactive" && count < config.pings) {
        lines.push(
          `- ${c.label} interactive: only ${count} of ${config.pings} pings within ${config.interactiveMaxS} s`,
        );
      }
    }
  }
  return lines;
}

/** Two decimals, but enough digits that a tiny ratio does not read 0.00. */
function formatRatio(ratio) {
  if (ratio >= 10) return ratio.toFixed(1);
  return ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
}

/** `base`/peer for every row and peer with numbers on both sides. */
export function formatRatios(rows, base, peers) {
  const firstFailure = Object.values(base.cells).find((cell) => !cell.ok);
  const measured = rows.some((row) => shownValue(row, base.cells[row.metric]) !== undefined);
  if (!measured) {
    const why = firstFailure ? `${firstFailure.kind}: ${firstFailure.reason.split("\n")[0]}` : "";
    return [`${base.label}: not measured, no ratios (${why})`];
  }
  const lines = [];
  for (const row of rows) {
    const ours = shownValue(row, base.cells[row.metric]);
    const parts = peers.map((peer) => {
      const theirs = shownValue(row, peer.cells[row.metric]);
      const ratio = ours !== undefined && theirs ? `${formatRatio(ours / theirs)}x` : "n/a";
      return `${base.short}/${peer.short} ${ratio}`;
    });
    lines.push([`${row.short} (${row.higher ? "higher" : "lower"} is better)`, ...parts]);
  }
  return grid(lines);
}
