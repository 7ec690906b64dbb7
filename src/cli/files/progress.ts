/**
 * Progress of a transfer for people and scripts: with `--json`, NDJSON
 * events on stderr (`progress` twice a second, `file-done`, `done`); when
 * stdout is a terminal, one bar per file in flight plus a total with rate
 * and ETA, redrawn in place; otherwise plain lines on stderr.
 */
import type { FileDoneEvent, ProgressSnapshot, Transfer, TransferResult } from "../../index.js";
import type { Reporter } from "../output.js";
import { formatBytes, formatDuration, formatRate, plural } from "./format.js";

export type ProgressMode = "json" | "bars" | "lines";

/** How progress shows: NDJSON, bars on a terminal, or lines. */
export function progressMode(json: boolean): ProgressMode {
  if (json) return "json";
  return process.stdout.isTTY ? "bars" : "lines";
}

const BAR_WIDTH = 24;
const MAX_BARS = 4;
/** Completed files get a line each only up to this many (a terminal is not a log). */
const MAX_FILE_LINES = 200;

/** Shows `transfer`'s progress until `stop()` (which draws the last state). */
export function showProgress(
  transfer: Transfer,
  mode: ProgressMode,
  reporter: Reporter,
): { stop: () => void } {
  const verb = transfer.direction === "send" ? "sent" : "received";
  let drawn = 0;
  let lastLine = performance.now();
  const rate = new RateWindow();
  const onFileDone = (event: FileDoneEvent) => {
    const where =
      event.savedAs !== undefined && event.savedAs !== event.path ? ` as ${event.savedAs}` : "";
    const text = `walkie: ${verb} ${event.path}${where} (${formatBytes(event.size)}, sha256 ${event.sha256.slice(0, 16)}…)`;
    if (mode === "json") reporter.event("file-done", { ...event });
    else if (mode === "lines" && (transfer.summary?.files ?? 0) <= MAX_FILE_LINES * 5)
      reporter.event("file-done", {}, text);
    else if (mode === "bars" && (transfer.summary?.files ?? 0) <= MAX_FILE_LINES) {
      clear();
      process.stdout.write(`  ✓ ${event.savedAs ?? event.path}  ${formatBytes(event.size)}\n`);
      draw();
    }
  };
  const clear = () => {
    if (drawn > 0) process.stdout.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    const snapshot = transfer.progress();
    const lines = barLines(snapshot, rate.update(snapshot));
    process.stdout.write(`${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  const tick = () => {
    const snapshot = transfer.progress();
    const perSecond = rate.update(snapshot);
    if (mode === "json") {
      reporter.event("progress", progressFields(snapshot, perSecond));
    } else if (mode === "bars") {
      clear();
      draw();
    } else if (performance.now() - lastLine >= 5_000) {
      lastLine = performance.now();
      reporter.event("progress", {}, `walkie: ${totalText(snapshot, perSecond)}`);
    }
  };
  transfer.on("file-done", onFileDone);
  const timer = setInterval(tick, mode === "bars" ? 100 : 500);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      transfer.off("file-done", onFileDone);
      if (mode === "bars") clear();
    },
  };
}

function progressFields(snapshot: ProgressSnapshot, perSecond: number): Record<string, unknown> {
  const left = snapshot.totalBytes - snapshot.doneBytes;
  return {
    bytes: snapshot.doneBytes,
    totalBytes: snapshot.totalBytes,
    files: snapshot.filesDone,
    filesTotal: snapshot.filesTotal,
    rate: Math.round(perSecond),
    etaSeconds: perSecond > 0 ? Math.round(left / perSecond) : null,
    active: snapshot.active.map((file) => ({
      path: file.path,
      bytes: file.bytes,
      size: file.size,
    })),
  };
}

function bar(done: number, total: number | null): string {
  if (total === null || total === 0) return `[${"·".repeat(BAR_WIDTH)}]`;
  const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH));
  return `[${"█".repeat(filled)}${"·".repeat(BAR_WIDTH - filled)}]`;
}

function percent(done: number, total: number): string {
  return total > 0 ? `${Math.floor((done / total) * 100)}%` : "";
}

function totalText(snapshot: ProgressSnapshot, perSecond: number): string {
  const { doneBytes, totalBytes } = snapshot;
  const eta = perSecond > 0 ? formatDuration((totalBytes - doneBytes) / perSecond) : "?";
  return `${percent(doneBytes, totalBytes)} ${formatBytes(doneBytes)} of ${formatBytes(totalBytes)}, ${snapshot.filesDone}/${snapshot.filesTotal} files, ${formatRate(perSecond)}, ${eta} left`;
}

function barLines(snapshot: ProgressSnapshot, perSecond: number): string[] {
  const columns = process.stdout.columns || 80;
  const fit = (line: string) =>
    line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
  const lines = snapshot.active.slice(0, MAX_BARS).map((file) => {
    const size = file.size === null ? "?" : formatBytes(file.size);
    return fit(`  ${bar(file.bytes, file.size)} ${formatBytes(file.bytes)}/${size}  ${file.path}`);
  });
  if (snapshot.active.length > MAX_BARS)
    lines.push(`  … and ${snapshot.active.length - MAX_BARS} more`);
  lines.push(
    fit(`  ${bar(snapshot.doneBytes, snapshot.totalBytes)} ${totalText(snapshot, perSecond)}`),
  );
  return lines;
}

/** Bytes per second over the last few seconds. */
class RateWindow {
  private samples: Array<[number, number]> = [];

  update(snapshot: ProgressSnapshot): number {
    const now = performance.now();
    this.samples.push([now, snapshot.doneBytes]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > 3_000) this.samples.shift();
    const [t0, b0] = this.samples[0]!;
    return now - t0 > 0 ? ((snapshot.doneBytes - b0) * 1000) / (now - t0) : 0;
  }
}

/** The `done` event and line. */
export function reportDone(transfer: Transfer, result: TransferResult, reporter: Reporter): void {
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? result.bytes / seconds : 0;
  const verb = transfer.direction === "send" ? "sent" : "received";
  const resumed =
    result.resumedBytes > 0 ? ` (${formatBytes(result.resumedBytes)} were already there)` : "";
  const failed = result.failed > 0 ? `; ${plural(result.failed, "file")} failed` : "";
  reporter.event(
    "done",
    {
      files: result.files,
      bytes: result.bytes,
      totalBytes: result.totalBytes,
      resumedBytes: result.resumedBytes,
      failed: result.failed,
      seconds: Number(seconds.toFixed(3)),
      rate: Math.round(rate),
    },
    result.text !== undefined
      ? `walkie: ${verb} a text of ${plural(result.text.length, "character")}`
      : `walkie: ${verb} ${plural(result.files, "file")}, ${formatBytes(result.bytes)} in ${formatDuration(seconds)} (${formatRate(rate)})${resumed}${failed}`,
  );
}
