/** Command-line options of bench/run.mjs, with their defaults. */
import { parseArgs } from "node:util";

export const METRICS = ["bulk", "rtt", "handshake", "interactive", "files", "realtime"];

const USAGE = `usage: node bench/run.mjs [options]
  --only <list>         metrics: ${METRICS.join(",")} (peak RSS comes with bulk)   [all]
  --contenders <list>   e.g. net,tls,socat,libp2p,walkie,walkie-pipe               [all]
  --size <n>[K|M|G]     bulk bytes, binary units                                   [1G]
  --rtt-count <n>       1 KiB round trips                                          [10000]
  --handshakes <n>      fresh connections                                          [200]
  --pings <n>           pings under load                                           [500]
  --timeout <s>         per-metric deadline                            [by metric]
  --files-size <n>      files: the single file's size                             [1G]
  --files-count <n>     files: how many 4 KiB files in nested folders             [10000]
  --files-repeats <n>   files: timed runs per cell (median), after a warm-up       [3]`;

/** "256M" -> 268435456; binary units, as the brief's "1 GiB". */
export function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text.trim());
  if (!match) throw new Error(`bad size: ${text}`);
  const scale = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[match[2].toUpperCase()];
  return Math.round(Number(match[1]) * scale);
}

function positiveInt(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive integer`);
  return n;
}

function list(text, allowed, name) {
  const items = text.split(",").map((s) => (s.trim() === "rss" ? "bulk" : s.trim()));
  const unknown = items.filter((s) => !allowed.includes(s));
  if (unknown.length) throw new Error(`--${name}: unknown ${unknown.join(", ")}`);
  return items;
}

/** Parsed options, or exits with usage on --help or a bad flag. */
export function readOptions(argv, contenderNames) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        only: { type: "string" },
        contenders: { type: "string" },
        size: { type: "string", default: "1G" },
        "rtt-count": { type: "string", default: "10000" },
        handshakes: { type: "string", default: "200" },
        pings: { type: "string", default: "500" },
        timeout: { type: "string" },
        "files-size": { type: "string", default: "1G" },
        "files-count": { type: "string", default: "10000" },
        "files-repeats": { type: "string", default: "3" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return {
      metrics: values.only ? list(values.only, METRICS, "only") : METRICS,
      contenders: values.contenders
        ? list(values.contenders, contenderNames, "contenders")
        : contenderNames,
      size: parseSize(values.size),
      count: positiveInt(values["rtt-count"], "rtt-count"),
      handshakes: positiveInt(values.handshakes, "handshakes"),
      pings: positiveInt(values.pings, "pings"),
      timeoutS: values.timeout ? positiveInt(values.timeout, "timeout") : undefined,
      files: {
        size: parseSize(values["files-size"]),
        count: positiveInt(values["files-count"], "files-count"),
        repeats: positiveInt(values["files-repeats"], "files-repeats"),
      },
    };
  } catch (err) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
}
