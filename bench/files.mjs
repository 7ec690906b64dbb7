/**
 * The files benchmark: walkie send/receive against scp (aes256-gcm, local
 * sshd), magic-wormhole (local mailbox and transit relay) and tar | socat
 * (unencrypted), on 127.0.0.1, in one run, as one table with ratios:
 *   - a 1 GiB file, received, hashed and written to disk;
 *   - 10,000 files of 4 KiB in nested folders;
 *   - peak RSS of walkie's sender and receiver for a 4 GiB file.
 * Each cell is the median of `repeats` timed runs after one untimed warm-up
 * (the first write of fresh memory is slow on a VM). Part of `npm run bench`
 * (`--only files`); also runs alone: `node bench/files.mjs [--size 1G]
 * [--files 10000] [--repeats 3] [--skip-rss]`.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import scp from "./files/scp.mjs";
import socat from "./files/socat.mjs";
import walkie from "./files/walkie.mjs";
import wormhole from "./files/wormhole.mjs";
import { parseSize } from "./lib/args.mjs";
import { fileTree, randomFile, sparseFile } from "./lib/files-data.mjs";

const CONTENDERS = [walkie, scp, wormhole, socat];
/** Targets of the brief: peer time / walkie time at least this. */
const TARGETS = { file: { scp: 2.5, wormhole: 5 }, tree: { scp: 3, socat: 0.5 } };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(contender, state, job, repeats, log) {
  const runs = [];
  for (let i = 0; i <= repeats; i++) {
    await rm(job.out, { recursive: true, force: true });
    await mkdir(job.out, { recursive: true });
    const result = await contender.run(state, job);
    if (i > 0 || repeats === 0) runs.push(result);
    log(
      `  ${contender.name} ${job.kind}${i === 0 ? " (warm-up)" : ""}: ${(result.ms / 1000).toFixed(2)} s`,
    );
  }
  await rm(job.out, { recursive: true, force: true });
  return { ms: median(runs.map((r) => r.ms)), runs };
}

/** Runs the files benchmark; returns the lines to print and the raw results. */
export async function runFilesBench(options, scratch, log) {
  const size = options.size ?? 2 ** 30;
  const count = options.count ?? 10_000;
  const repeats = options.repeats ?? 3;
  const data = join(scratch, "files-data");
  await mkdir(data, { recursive: true });
  log(`files: making ${size / 2 ** 20} MiB and ${count} x 4 KiB of test data`);
  const jobs = {
    file: {
      kind: "file",
      src: randomFile(join(data, "big.bin"), size),
      timeoutMs: 120_000 + size / 1e5,
    },
    tree: { kind: "tree", src: fileTree(data, count, 4096), timeoutMs: 300_000 },
  };
  const cells = {};
  const setups = {};
  for (const contender of CONTENDERS) {
    cells[contender.name] = {};
    let state;
    try {
      state = await contender.setup(scratch);
      setups[contender.name] = state;
    } catch (err) {
      log(`files: ${contender.name}: n/a: ${err.message}`);
      for (const kind of ["file", "tree"])
        cells[contender.name][kind] = { error: `n/a: ${err.message}` };
      continue;
    }
    try {
      for (const kind of ["file", "tree"]) {
        if (!contender.kinds.includes(kind)) continue;
        const job = { ...jobs[kind], out: join(scratch, `files-out-${contender.name}`) };
        try {
          cells[contender.name][kind] = await measure(contender, state, job, repeats, log);
        } catch (err) {
          log(`files: ${contender.name} ${kind}: ${err.message}`);
          cells[contender.name][kind] = { error: err.message.split("\n")[0] };
        }
      }
    } finally {
      await contender.teardown(state);
    }
  }
  let rss;
  if (!options.skipRss) {
    const src = sparseFile(join(data, "huge.bin"), 4 * 2 ** 30);
    const out = join(scratch, "files-out-rss");
    await mkdir(out, { recursive: true });
    try {
      const state = await walkie.setup(scratch);
      rss = await walkie.run(state, { kind: "rss", src, out, timeoutMs: 600_000 });
      log(
        `  walkie 4 GiB: ${(rss.ms / 1000).toFixed(1)} s, peak RSS sender ${(rss.senderRssKb / 1024).toFixed(0)} MiB, receiver ${(rss.receiverRssKb / 1024).toFixed(0)} MiB`,
      );
    } catch (err) {
      rss = { error: err.message.split("\n")[0] };
    }
    await rm(out, { recursive: true, force: true });
  }
  await rm(data, { recursive: true, force: true });
  return {
    lines: formatFiles(cells, rss, size, count, repeats, setups),
    json: { size, count, repeats, cells, rss },
  };
}

function cellText(cell, fmt) {
  if (cell === undefined) return "-";
  if (cell.error !== undefined)
    return cell.error.length > 24 ? `${cell.error.slice(0, 23)}…` : cell.error;
  return fmt(cell.ms);
}

function grid(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r.map((t, i) => (i === 0 ? t.padEnd(widths[i]) : t.padStart(widths[i]))).join("  "),
  );
}

function formatFiles(cells, rss, size, count, repeats, setups) {
  const sizeText = size >= 2 ** 30 ? `${size / 2 ** 30} GiB` : `${size / 2 ** 20} MiB`;
  const seconds = (ms) => (ms / 1000).toFixed(2);
  const rate = (ms) => (((size / ms) * 1000) / 1e6).toFixed(0);
  const header = ["files", ...CONTENDERS.map((c) => c.label)];
  const rows = [
    [`${sizeText} file, s`, ...CONTENDERS.map((c) => cellText(cells[c.name].file, seconds))],
    [`${sizeText} file, MB/s`, ...CONTENDERS.map((c) => cellText(cells[c.name].file, rate))],
    [
      `${count.toLocaleString("en")} x 4 KiB files, s`,
      ...CONTENDERS.map((c) => cellText(cells[c.name].tree, seconds)),
    ],
  ];
  const rssText =
    rss === undefined
      ? "skipped"
      : (rss.error ??
        `${(rss.senderRssKb / 1024).toFixed(0)} / ${(rss.receiverRssKb / 1024).toFixed(0)}`);
  rows.push([
    "4 GiB file peak RSS send / receive, MiB",
    rssText,
    ...CONTENDERS.slice(1).map(() => "-"),
  ]);
  const lines = [
    "",
    ...grid([header, ...rows]),
    "",
    "ratios, peer time / walkie time (higher is better for walkie) [target]:",
  ];
  const ours = cells.walkie;
  for (const kind of ["file", "tree"]) {
    const parts = [];
    for (const c of CONTENDERS.slice(1)) {
      const theirs = cells[c.name][kind];
      if (theirs === undefined) continue;
      const target = TARGETS[kind][c.name];
      const ratio =
        ours[kind]?.ms && theirs.ms ? `${(theirs.ms / ours[kind].ms).toFixed(2)}x` : "n/a";
      parts.push(`${c.name} ${ratio}${target ? ` [>= ${target}x]` : ""}`);
    }
    lines.push(`  ${kind === "file" ? `${sizeText} file` : `${count} files`}: ${parts.join(", ")}`);
  }
  lines.push(
    "notes:",
    ...CONTENDERS.map((c) => `- ${c.label}: ${c.notes.join("; ")}`),
    `- each time is the median of ${repeats} runs after a warm-up; from the receiving command's start (scp: the command's start) to both ends' exit`,
    ...(setups.scp?.version ? [`- ${setups.scp.version}`] : []),
    ...(setups.wormhole?.version ? [`- ${setups.wormhole.version}`] : []),
  );
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "1G" },
      files: { type: "string", default: "10000" },
      repeats: { type: "string", default: "3" },
      "skip-rss": { type: "boolean" },
    },
  });
  const scratch = await mkdtemp(join(tmpdir(), "walkie-bench-files-"));
  try {
    const { lines } = await runFilesBench(
      {
        size: parseSize(values.size),
        count: Number(values.files),
        repeats: Number(values.repeats),
        skipRss: values["skip-rss"],
      },
      scratch,
      (line) => process.stderr.write(`${line}\n`),
    );
    console.log(lines.join("\n"));
  } finally {
    await rm(scratch, { recursive: true, force: true });
    process.exit();
  }
}
