/**
 * Walkie's CLI: `walkie pipe --listen` and `walkie pipe --to`, each with its
 * own WALKIE_HOME, the server allowing only the client's device ID. Shaped
 * like socat so the two compare directly.
 */
import { fileURLToPath } from "node:url";
import { runPeer } from "../lib/peer.mjs";
import { stdioAdapter } from "../lib/stdio-peer.mjs";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** The port from the CLI's NDJSON `listening` event on stderr. */
function parsePort(line) {
  if (!line.startsWith("{")) return undefined;
  try {
    const event = JSON.parse(line);
    const name = event.event ?? event.type;
    if (name !== "listening") return undefined;
    // Accept {port}, {address: {port}} or {address: "host:port"}.
    const port = event.port ?? event.address?.port ?? /:(\d+)$/.exec(event.address ?? "")?.[1];
    return Number(port) || undefined;
  } catch {
    // Not an NDJSON event (a plain log line): keep reading.
    return undefined;
  }
}

const adapter = stdioAdapter({
  server: (config) => ({
    cmd: process.execPath,
    args: [CLI, "pipe", "--listen", "--port", "0", "--allow", config.clientId, "--json"],
    env: { WALKIE_HOME: config.serverHome },
  }),
  parsePort,
  client: (port, config) => ({
    cmd: process.execPath,
    args: [CLI, "pipe", "--to", `127.0.0.1:${port}`, "--peer", config.serverId],
    env: { WALKIE_HOME: config.clientHome },
  }),
});

await runPeer(adapter);
