/**
 * Runtime of one contender child process (server or client side). The
 * orchestrator forks `contenders/<name>.mjs <role> <metric> <config-json>`;
 * the contender passes its adapter here. Talks to the orchestrator over the
 * IPC channel only: {type: "ready" | "result" | "error"} out, {type: "stop"} in.
 *
 * Adapter: prepare(role, config)                  (optional; untimed set-up);
 *          listen(config, onChannel) -> {addrs, close()};
 *          dial(addrs, config) -> {open(kind) -> Channel, close()};
 *          handshake(addr, config) -> {close()}   (optional);
 *          peakRssKb() -> number                   (optional; default: this process);
 *          shutdown()                              (optional; after close()).
 */
import { echo, handshakes, pingsUnderLoad, pump, roundTrips, sink } from "./metrics.mjs";

const STOP_GRACE_MS = 2000;

function send(message) {
  return new Promise((resolve) => process.send(message, () => resolve()));
}

function waitForStop() {
  return new Promise((resolve) => {
    process.on("message", (message) => {
      if (message?.type === "stop") resolve();
    });
  });
}

function ownPeakRssKb() {
  return process.resourceUsage().maxRSS;
}

async function runServer(adapter, metric, config) {
  const peakRssKb = adapter.peakRssKb ?? ownPeakRssKb;
  const server = await adapter.listen(config, (kind, ch) => {
    if (kind === "echo") return echo(ch);
    const size = metric === "bulk" ? config.size : 0;
    sink(ch, {
      size,
      onDone: (result) => void send({ type: "result", ...result, peakRssKb: peakRssKb() }),
    });
  });
  await send({ type: "ready", addrs: server.addrs });
  return server;
}

async function runClient(adapter, metric, config) {
  const peakRssKb = adapter.peakRssKb ?? ownPeakRssKb;
  if (metric === "handshake") {
    const samples = await handshakes(adapter, config.addrs.echo, config);
    await send({ type: "result", samples });
    return { close: async () => {} };
  }
  const session = await adapter.dial(config.addrs, config);
  if (metric === "bulk") {
    const ch = await session.open("sink");
    await pump(ch, { limit: config.size, chunkSize: config.chunkSize });
    await ch.end();
    await send({ type: "result", peakRssKb: peakRssKb() });
  } else if (metric === "rtt") {
    const ch = await session.open("echo");
    const samples = await roundTrips(ch, config);
    await send({ type: "result", samples });
  } else if (metric === "interactive") {
    const bulk = await session.open("sink");
    const ping = await session.open("echo");
    const result = await pingsUnderLoad(bulk, ping, config);
    await send({ type: "result", ...result });
  } else {
    throw new Error(`unknown metric ${metric}`);
  }
  return session;
}

/**
 * Entry point for a contender script: runs the role named on the command
 * line, reports over IPC, then waits for "stop" to close and exit.
 */
export async function runPeer(adapter) {
  const [role, metric, configJson] = process.argv.slice(2);
  // Orphaned (orchestrator gone): leave at once rather than linger.
  process.on("disconnect", () => process.exit(1));
  const stopped = waitForStop();
  try {
    const config = JSON.parse(configJson ?? "{}");
    await adapter.prepare?.(role, config);
    const run = role === "server" ? runServer : runClient;
    const handle = await run(adapter, metric, config);
    await stopped;
    const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    const close = async () => {
      await handle.close();
      await adapter.shutdown?.();
    };
    await Promise.race([close(), grace]);
    process.exit(0);
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    await send({ type: "error", message });
    process.exit(1);
  }
}
