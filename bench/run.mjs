/**
 * `npm run bench`: measures every contender on loopback, two processes per
 * run, and prints one table plus Walkie's ratios against each peer. Raw
 * results go to a JSON file in a temp dir, printed at the end.
 */
import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contenders, PEERS } from "./contenders/registry.mjs";
import { runFilesBench } from "./files.mjs";
import { readOptions } from "./lib/args.mjs";
import { runCell } from "./lib/cell.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { killAll } from "./lib/spawn.mjs";
import { formatNotes, formatRatios, formatTable, rowsFor } from "./lib/table.mjs";
import { runRealtimeBench } from "./realtime.mjs";

const BASES = ["walkie", "walkie-pipe"];

const options = readOptions(
  process.argv.slice(2),
  contenders.map((c) => c.name),
);
const shared = {
  ...options,
  chunkSize: 64 * 1024,
  warmup: 100,
  payloadSize: 1024,
  pingIntervalMs: 5,
  loadWarmupMs: 300,
  interactiveMaxS: 60,
};

/** The link metrics fill the main table; `files` and `realtime` are sections of their own. */
const linkMetrics = options.metrics.filter((metric) => metric !== "files" && metric !== "realtime");

const scratch = await mkdtemp(join(tmpdir(), "walkie-bench-run-"));
// Also on signals and crashes: certificates and homes are per run.
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const log = (line) => process.stderr.write(`${line}\n`);

/** Sets up and runs every selected metric for one contender. */
async function measure(contender) {
  const column = { ...contender, cells: {}, setupInfo: undefined };
  let setup;
  try {
    setup = await contender.setup(scratch);
    column.setupInfo = setup;
  } catch (err) {
    log(`${contender.name}: set-up failed: ${err.message.split("\n")[0]}`);
    column.setupError = err.message;
    for (const metric of linkMetrics) column.cells[metric] = failure("n/a", err);
    return column;
  }
  for (const metric of linkMetrics) {
    const why = contender.unsupported?.[metric];
    if (why) {
      column.cells[metric] = { ok: false, kind: "n/a", reason: why };
      continue;
    }
    const started = Date.now();
    try {
      const result = await runCell(contender, metric, { ...shared, ...setup });
      column.cells[metric] = { ok: true, result };
      log(`${contender.name} ${metric}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      column.cells[metric] = failure("error", err);
      log(`${contender.name} ${metric}: ${err.message}`);
    }
  }
  return column;
}

function failure(kind, err) {
  const reason = err instanceof Error ? err.message : String(err);
  return { ok: false, kind: err?.code === "ETIMEDOUT" ? "timeout" : kind, reason };
}

try {
  const machine = describeMachine();
  const columns = [];
  const selected = linkMetrics.length > 0 ? contenders : [];
  for (const contender of selected.filter((c) => options.contenders.includes(c.name))) {
    columns.push(await measure(contender));
  }
  const rows = rowsFor(shared);
  const peers = columns.filter((c) => PEERS.includes(c.name));
  const out =
    columns.length > 0
      ? ["", ...formatTable(rows, columns), "", "notes:", ...formatNotes(columns, shared)]
      : [];
  for (const base of columns.filter((c) => BASES.includes(c.name))) {
    out.push("", `ratios, ${base.label} / peer:`, ...formatRatios(rows, base, peers));
  }
  let files;
  if (options.metrics.includes("files")) {
    files = await runFilesBench(options.files, scratch, log);
    out.push(...files.lines);
  }
  let realtime;
  if (options.metrics.includes("realtime")) {
    const count = options.count;
    realtime = await runRealtimeBench({ size: options.size, count }, scratch, log);
    out.push(...realtime.lines);
  }
  const versions = columns.find((c) => c.name === "libp2p")?.setupInfo?.versions;
  const socat = columns.find((c) => c.name === "socat")?.setupInfo?.version;
  out.push(
    "",
    `machine: nproc ${machine.nproc}, ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.kernel}`,
    `         node ${machine.node} (OpenSSL ${machine.nodeOpenssl}), ${machine.openssl}` +
      (socat ? `, socat ${socat}` : "") +
      (versions
        ? `, ${Object.entries(versions)
            .map(([n, v]) => `${n}@${v}`)
            .join(" ")}`
        : ""),
    `method: bulk timed by the receiver from first to last byte, MB = 10^6 B, 64 KiB writes;` +
      ` RTT ${options.count} sequential 1 KiB echoes after ${shared.warmup} warm-up;`,
    `        handshake ${options.handshakes} sequential fresh connections, connect() to ready;` +
      ` interactive ${options.pings} 1-byte pings every ${shared.pingIntervalMs} ms beside a saturating bulk channel;`,
    `        RSS is maxRSS of each Node child, or VmHWM of the socat / walkie CLI process.`,
  );
  console.log(out.join("\n"));

  const resultsDir = await mkdtemp(join(tmpdir(), "walkie-bench-results-"));
  const file = join(resultsDir, "latest.json");
  const json = {
    date: new Date().toISOString(),
    machine,
    options: shared,
    columns,
    files: files?.json,
    realtime: realtime?.json,
  };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nraw results: ${file}`);
} finally {
  killAll();
}
