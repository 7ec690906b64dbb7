/**
 * Runs one cell of the table: one metric for one contender, with a fresh
 * server child and a fresh client child, and reduces what they report.
 */
import { fileURLToPath } from "node:url";
import { forkPeer } from "./spawn.mjs";
import { summarize } from "./stats.mjs";

const READY_TIMEOUT_MS = 30_000;

/** Generous deadlines: they exist to end stuck runs, not to judge speed. */
function deadlineMs(metric, config) {
  if (config.timeoutS) return config.timeoutS * 1000;
  if (metric === "bulk") return 60_000 + (config.size / 8e6) * 1000;
  return 120_000;
}

function reduce(metric, server, client) {
  if (metric === "bulk") {
    return {
      mbPerS: server.mbPerS,
      ms: server.ms,
      bytes: server.bytes,
      serverRssKb: server.peakRssKb,
      clientRssKb: client.peakRssKb,
    };
  }
  if (metric === "interactive") {
    return { us: summarize(client.samples), loadMbPerS: client.loadMbPerS };
  }
  return { us: summarize(client.samples) };
}

/**
 * @param contender a registry entry
 * @param {string} metric bulk | rtt | handshake | interactive
 * @param config shared knobs plus the contender's setup output
 */
export async function runCell(contender, metric, config) {
  const script = fileURLToPath(new URL(`../contenders/${contender.script}`, import.meta.url));
  const timeoutMs = deadlineMs(metric, config);
  const server = forkPeer(script, ["server", metric, JSON.stringify(config)]);
  let client;
  try {
    const { addrs } = await server.next("ready", READY_TIMEOUT_MS);
    client = forkPeer(script, ["client", metric, JSON.stringify({ ...config, addrs })]);
    const clientResult = client.next("result", timeoutMs);
    const serverResult = metric === "bulk" ? server.next("result", timeoutMs) : undefined;
    const [fromServer, fromClient] = await Promise.race([
      Promise.all([serverResult, clientResult]),
      server.failed,
      client.failed,
    ]);
    return reduce(metric, fromServer, fromClient);
  } finally {
    await Promise.all([client?.stop(), server.stop()]);
  }
}
