/**
 * `walkie send --to PEER paths` while `walkie up` runs with the same home:
 * the running node sends on its own link with the peer (no second link), the
 * transfer shows in its web UI, and it waits for an offline peer and resumes
 * after a dropped link. This command follows it and reports as usual.
 */
import { resolve } from "node:path";
import { type ControlClient, type TransferView, WalkieError } from "../../index.js";
import { onInterrupt } from "../context.js";
import type { Reporter } from "../output.js";
import { formatBytes, formatDuration, formatRate, plural } from "./format.js";

const FINISHED = ["done", "failed", "rejected", "cancelled"];

/** Sends through the node; resolves with the exit code. @throws WalkieError when the transfer fails */
export async function sendThroughNode(
  control: ControlClient,
  to: string,
  paths: string[],
  reporter: Reporter,
  json: boolean,
): Promise<number> {
  let view = await control.post<TransferView>("/api/transfers", {
    peer: to,
    paths: paths.map((path) => resolve(path)),
  });
  const id = view.id;
  onInterrupt(() => control.post(`/api/transfers/${id}/cancel`));
  const what = `${plural(view.files, "file")}, ${formatBytes(view.totalBytes ?? 0)}`;
  reporter.event(
    "offer",
    { files: view.files, bytes: view.totalBytes, via: control.info.control },
    `walkie: the running node (pid ${control.info.pid}) offers ${what} to ${view.peerName}`,
  );
  let last = "";
  for (;;) {
    if (view.state !== last) {
      last = view.state;
      if (view.state === "waiting") {
        reporter.event(
          "waiting",
          {},
          `walkie: ${view.peerName} is offline; the node sends when it is back (Ctrl-C cancels)`,
        );
      } else if (view.state === "active") {
        reporter.event("accepted", {}, "walkie: accepted");
      }
    }
    if (view.state === "active") {
      const left = view.etaS === null ? "" : `, ${formatDuration(view.etaS)} left`;
      reporter.event("progress", {
        bytes: view.doneBytes,
        total: view.totalBytes,
        rate: view.rate,
      });
      if (!json && process.stderr.isTTY) {
        process.stderr.write(
          `\r${formatBytes(view.doneBytes)} of ${formatBytes(view.totalBytes ?? 0)}, ${formatRate(view.rate)}${left}   `,
        );
      }
    }
    if (FINISHED.includes(view.state)) break;
    await new Promise((done) => setTimeout(done, 300));
    const { transfers } = await control.get<{ transfers: TransferView[] }>("/api/transfers");
    view = transfers.find((t) => t.id === id) ?? view;
  }
  if (!json && process.stderr.isTTY) process.stderr.write("\n");
  if (view.state !== "done") {
    throw new WalkieError(
      view.error?.code ?? "ERR_TRANSFER_FAILED",
      view.error?.message ?? `the transfer was ${view.state}`,
    );
  }
  reporter.event(
    "done",
    { files: view.filesDone, bytes: view.doneBytes },
    `walkie: sent ${plural(view.files, "file")} (${formatBytes(view.totalBytes ?? 0)}) to ${view.peerName}`,
  );
  return 0;
}
