/**
 * The realtime benchmark (issue 5): chat, rpc, forward and serial, against
 * their targets, on 127.0.0.1, one process per side:
 *   - chat round trip (send -> receipt, one every 5 ms) while a bulk transfer
 *     (1 GiB) saturates the same link: p99 < 20 ms;
 *   - rpc request/response: median round trip of 1 KiB requests <= 1.2x a raw
 *     Node TCP 1 KiB echo measured in the same run; >= 20,000 requests/s on
 *     one link with 64 in flight;
 *   - `walkie forward` TCP bulk >= 0.8x `walkie pipe` bulk (both CLI, fed
 *     and drained by this process);
 *   - `walkie pipe --serial` over a socat pty pair at 115200 baud: the data
 *     arrives intact, and the rate next to the pty pair alone.
 * Part of `npm run bench` (`--only realtime`); also runs alone:
 * `node bench/realtime.mjs [--size 1G] [--serial-size 64M] [--count 10000]
 * [--only netRtt,streamRtt,rpcRtt,rpcRate,chatLoad,pipeBulk,forwardBulk,serial]`.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseSize } from "./lib/args.mjs";
import { forkPeer } from "./lib/spawn.mjs";
import { forwardBulk, pipeBulk, rawPty, serialPipe } from "./realtime/cli-bulk.mjs";

const PEER = fileURLToPath(new URL("realtime/peer.mjs", import.meta.url));

async function identities(scratch) {
  const walkie = await import(new URL("../dist/index.js", import.meta.url).href);
  const ids = {};
  for (const side of ["server", "client"]) {
    const home = join(scratch, `realtime-${side}`);
    await mkdir(home, { recursive: true });
    const node = await walkie.createNode({ home, discovery: false, name: side });
    ids[`${side}Home`] = home;
    ids[`${side}Id`] = node.id;
    await node.close();
  }
  return ids;
}

/** One metric: a fresh server child, then a client child that reports. */
async function runPair(config, metric, timeoutMs) {
  const server = forkPeer(PEER, ["server", JSON.stringify(config)], "server");
  let client;
  try {
    const { port, netPort } = await server.next("ready", 30_000);
    client = forkPeer(
      PEER,
      ["client", JSON.stringify({ ...config, metric, port, netPort })],
      "client",
    );
    return await Promise.race([client.next("result", timeoutMs), server.failed, client.failed]);
  } finally {
    await Promise.all([client?.stop(), server.stop()]);
  }
}

const ms = (us) => (us / 1000).toFixed(2);

/** Runs every realtime metric; returns the lines to print and the raw results. */
export async function runRealtimeBench(options, scratch, log) {
  const size = options.size ?? 2 ** 30;
  const serialSize = options.serialSize ?? 64 * 2 ** 20;
  const config = {
    ...(await identities(scratch)),
    payloadSize: 1024,
    warmup: 200,
    count: options.count ?? 10_000,
    concurrency: 64,
    requests: options.requests ?? 100_000,
    size,
    pings: 500,
  };
  const results = {};
  const only = options.only;
  const step = async (name, run) => {
    if (only !== undefined && !only.includes(name)) return;
    const started = Date.now();
    try {
      results[name] = await run();
      log(`realtime ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results[name] = { error: message.split("\n")[0] };
      log(`realtime ${name}: ${message}`);
    }
  };
  await step("netRtt", () => runPair(config, "net-rtt", 120_000));
  await step("streamRtt", () => runPair(config, "stream-rtt", 120_000));
  await step("rpcRtt", () => runPair(config, "rpc-rtt", 120_000));
  await step("rpcRate", () => runPair(config, "rpc-rate", 300_000));
  await step("chatLoad", () => runPair(config, "chat-load", 60_000 + (size / 8e6) * 1000));
  await step("pipeBulk", () => pipeBulk(config, size));
  await step("forwardBulk", () => forwardBulk(config, size));
  const haveSocat = spawnSync("socat", ["-V"]).status === 0;
  if (only !== undefined && !only.includes("serial")) {
    // Not asked for (--only).
  } else if (haveSocat) {
    await step("rawPty", () => rawPty(serialSize));
    await step("serial", () => serialPipe(config, serialSize, 115_200));
  } else {
    results.serial = { error: "n/a: socat is not installed" };
  }
  return { lines: format(results, { size, serialSize }), json: results };
}

function format(r, { size, serialSize }) {
  const row = (what, value, target, ok) => [
    what,
    value,
    target,
    ok === undefined ? "n/a" : ok ? "yes" : "NO",
  ];
  const err = (x) => (x === undefined ? "not run" : x.error ? `error: ${x.error}` : undefined);
  const rows = [["realtime", "measured", "target", "met"]];
  rows.push(
    row(
      `chat send->receipt p99, ${size / 2 ** 20} MiB transfer on the link`,
      err(r.chatLoad) ??
        `${ms(r.chatLoad.us.p99)} ms (median ${ms(r.chatLoad.us.median)}, n=${r.chatLoad.us.count}, load ${r.chatLoad.loadMbPerS.toFixed(0)} MB/s)`,
      "< 20 ms",
      r.chatLoad?.us ? r.chatLoad.us.p99 < 20_000 : undefined,
    ),
  );
  const rttRatio =
    r.rpcRtt?.us && r.netRtt?.us ? r.rpcRtt.us.median / r.netRtt.us.median : undefined;
  rows.push(
    row(
      "rpc 1 KiB request median round trip",
      err(r.rpcRtt) ??
        err(r.netRtt) ??
        `${r.rpcRtt.us.median.toFixed(0)} µs = ${rttRatio.toFixed(2)}x net echo ${r.netRtt.us.median.toFixed(0)} µs` +
          (r.streamRtt?.us ? `; bare link stream ${r.streamRtt.us.median.toFixed(0)} µs` : "") +
          ` (p99 rpc ${r.rpcRtt.us.p99.toFixed(0)}, net ${r.netRtt.us.p99.toFixed(0)} µs)`,
      "<= 1.2x net",
      rttRatio === undefined ? undefined : rttRatio <= 1.2,
    ),
  );
  rows.push(
    row(
      "rpc requests/s, one link, 64 in flight",
      err(r.rpcRate) ?? `${Math.round(r.rpcRate.perSecond).toLocaleString("en")} /s`,
      ">= 20,000 /s",
      r.rpcRate?.perSecond === undefined ? undefined : r.rpcRate.perSecond >= 20_000,
    ),
  );
  const fwdRatio =
    r.forwardBulk?.mbPerS && r.pipeBulk?.mbPerS
      ? r.forwardBulk.mbPerS / r.pipeBulk.mbPerS
      : undefined;
  rows.push(
    row(
      `walkie forward TCP bulk (${size / 2 ** 20} MiB) vs walkie pipe`,
      err(r.forwardBulk) ??
        err(r.pipeBulk) ??
        `${r.forwardBulk.mbPerS.toFixed(0)} MB/s = ${fwdRatio.toFixed(2)}x pipe ${r.pipeBulk.mbPerS.toFixed(0)} MB/s`,
      ">= 0.8x pipe",
      fwdRatio === undefined ? undefined : fwdRatio >= 0.8,
    ),
  );
  rows.push(
    row(
      `walkie pipe --serial, socat pty pair, 115200 baud (${serialSize / 2 ** 20} MiB)`,
      err(r.serial) ??
        `${r.serial.correct ? "intact" : "CORRUPTED"}, ${r.serial.mbPerS.toFixed(1)} MB/s` +
          (r.rawPty?.mbPerS ? ` (pty alone ${r.rawPty.mbPerS.toFixed(1)} MB/s)` : ""),
      "intact, as fast as the pty",
      r.serial?.correct,
    ),
  );
  const widths = rows[0].map((_, i) => Math.max(...rows.map((cells) => String(cells[i]).length)));
  const lines = rows.map((cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return ["", ...lines];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "1G" },
      "serial-size": { type: "string", default: "64M" },
      count: { type: "string", default: "10000" },
      requests: { type: "string", default: "100000" },
      only: { type: "string" },
    },
  });
  const scratch = await mkdtemp(join(tmpdir(), "walkie-bench-realtime-"));
  try {
    const { lines } = await runRealtimeBench(
      {
        size: parseSize(values.size),
        serialSize: parseSize(values["serial-size"]),
        count: Number(values.count),
        requests: Number(values.requests),
        only: values.only?.split(","),
      },
      scratch,
      (line) => process.stderr.write(`${line}\n`),
    );
    console.log(lines.join("\n"));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  process.exit(0);
}
