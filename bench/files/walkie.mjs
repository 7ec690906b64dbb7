/**
 * Walkie's CLI: `walkie send PATH` waits with a one-time code on 127.0.0.1;
 * `walkie receive CODE --from 127.0.0.1:PORT --yes` fetches it. Timed from
 * the receiver's start to both exits: the receiver hashes every file while
 * writing it, fsyncs it and renames it into place.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { finished, start } from "../lib/files-tools.mjs";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export default {
  name: "walkie",
  label: "walkie",
  notes: [
    "CLI send/receive by one-time code (PAKE + Noise), ChaCha20-Poly1305, SHA-256 per file, fsync + rename",
  ],
  kinds: ["file", "tree", "rss"],
  async setup(scratch) {
    const homes = {
      sender: join(scratch, "walkie-sender"),
      receiver: join(scratch, "walkie-receiver"),
    };
    await mkdir(homes.sender, { recursive: true });
    await mkdir(homes.receiver, { recursive: true });
    return homes;
  },
  async run(homes, job) {
    const env = (home) => ({ WALKIE_HOME: home, WALKIE_DISCOVERY: "off" });
    const send = start(process.execPath, [CLI, "send", job.src, "--host", "127.0.0.1", "--json"], {
      env: env(homes.sender),
    });
    const { code, port } = JSON.parse(await send.lineMatching(/"event":"code"/));
    const started = performance.now();
    const receive = start(
      process.execPath,
      [CLI, "receive", code, "--from", `127.0.0.1:${port}`, "--out", job.out, "--yes", "--json"],
      { env: env(homes.receiver) },
    );
    await Promise.all([
      finished(receive, "walkie receive", job.timeoutMs),
      finished(send, "walkie send", job.timeoutMs),
    ]);
    return {
      ms: performance.now() - started,
      senderRssKb: send.peakRssKb(),
      receiverRssKb: receive.peakRssKb(),
    };
  },
  async teardown() {},
};
