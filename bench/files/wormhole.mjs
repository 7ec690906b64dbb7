/**
 * magic-wormhole with its own mailbox server and transit relay, both run
 * here on 127.0.0.1 (Debian: magic-wormhole, python3-magic-wormhole-mailbox-
 * server, magic-wormhole-transit-relay). `wormhole send --code` waits; the
 * receiver is timed from its start to both exits. Folders are zipped by
 * wormhole, so only the single file is compared.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { finished, freePort, listening, start } from "../lib/files-tools.mjs";

export default {
  name: "wormhole",
  label: "magic-wormhole",
  notes: [
    "magic-wormhole via a local mailbox and transit relay (it may still pick a direct connection)",
  ],
  kinds: ["file"],
  async setup(scratch) {
    const version = execFileSync("wormhole", ["--version"], { encoding: "utf8" }).trim();
    const mailboxPort = await freePort();
    const relayPort = await freePort();
    const mailbox = start("twistd3", [
      ...["-n", "--pidfile=", "wormhole-mailbox"],
      ...[
        "--port",
        `tcp:${mailboxPort}:interface=127.0.0.1`,
        `--channel-db=${join(scratch, "mailbox.sqlite")}`,
      ],
    ]);
    const relay = start("twistd3", [
      "-n",
      "--pidfile=",
      "transitrelay",
      "--port",
      `tcp:${relayPort}:interface=127.0.0.1`,
    ]);
    await Promise.all([listening(mailboxPort), listening(relayPort)]);
    const common = [
      "--relay-url",
      `ws://127.0.0.1:${mailboxPort}/v1`,
      "--transit-helper",
      `tcp:127.0.0.1:${relayPort}`,
    ];
    return { mailbox, relay, common, version };
  },
  async run(state, job) {
    const code = `${100 + Math.floor(Math.random() * 800)}-walkie-${randomBytes(4).toString("hex")}`;
    const send = start("wormhole", [
      ...state.common,
      "send",
      "--hide-progress",
      "--code",
      code,
      job.src,
    ]);
    await send.lineMatching(/wormhole receive|Wormhole code is/);
    const started = performance.now();
    const receive = start(
      "wormhole",
      [...state.common, "receive", "--accept-file", "--hide-progress", code],
      {
        cwd: job.out,
      },
    );
    await Promise.all([
      finished(receive, "wormhole receive", job.timeoutMs),
      finished(send, "wormhole send", job.timeoutMs),
    ]);
    return { ms: performance.now() - started };
  },
  async teardown(state) {
    state.mailbox.kill();
    state.relay.kill();
  },
};
