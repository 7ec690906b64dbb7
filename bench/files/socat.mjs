/**
 * The unencrypted floor: socat over TCP on 127.0.0.1, a file straight into
 * a file, a folder as `tar | socat` into `socat | tar -x`. Timed from the
 * sender's start (the receiver already listens) to both exits.
 */
import { execFileSync } from "node:child_process";
import { basename, dirname } from "node:path";
import { finished, freePort, start } from "../lib/files-tools.mjs";

export default {
  name: "socat",
  label: "tar|socat (plain)",
  notes: ["socat over TCP, no encryption, no hashing, no fsync; folders as tar | socat | tar -x"],
  kinds: ["file", "tree"],
  async setup() {
    const version = /socat version (\S+)/.exec(
      execFileSync("socat", ["-V"], { encoding: "utf8" }),
    )?.[1];
    return { version };
  },
  async run(_state, job) {
    const port = await freePort();
    const tree = job.kind === "tree";
    const receive = tree
      ? start("sh", [
          "-c",
          `socat -u TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr STDOUT | tar -x -C '${job.out}'`,
        ])
      : start("socat", [
          "-u",
          `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`,
          `CREATE:${job.out}/${basename(job.src)}`,
        ]);
    // The sender retries until the receiver listens (a probe would be taken for the transfer).
    const target = `TCP:127.0.0.1:${port},retry=200,interval=0.01`;
    const started = performance.now();
    const send = tree
      ? start("sh", [
          "-c",
          `tar -c -C '${dirname(job.src)}' '${basename(job.src)}' | socat -u STDIN ${target}`,
        ])
      : start("socat", ["-u", `OPEN:${job.src},rdonly`, target]);
    await Promise.all([
      finished(receive, "receiving socat", job.timeoutMs),
      finished(send, "sending socat", job.timeoutMs),
    ]);
    return { ms: performance.now() - started };
  },
  async teardown() {},
};
