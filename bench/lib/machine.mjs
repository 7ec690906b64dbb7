/** What the numbers were measured on. */
import { execFileSync } from "node:child_process";
import os from "node:os";

function firstLine(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0].trim();
  } catch (err) {
    return `unavailable (${err.code ?? err.message})`;
  }
}

export function describeMachine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    nodeOpenssl: process.versions.openssl,
    openssl: firstLine("openssl", ["version"]),
  };
}
