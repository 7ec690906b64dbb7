/**
 * Reference peer: TLS 1.3 over TCP with node:tls. The server uses a
 * self-signed P-256 certificate made by the orchestrator for this run; the
 * client verifies it (as Walkie verifies its peer), without session resumption.
 */
import { readFileSync } from "node:fs";
import tls from "node:tls";
import { runPeer } from "../lib/peer.mjs";
import { connectSocket, HOST, listenPair, perConnectionSession } from "../lib/sockets.mjs";

const VERSION = { minVersion: "TLSv1.3", maxVersion: "TLSv1.3" };

let clientContext;

function connectPort(port) {
  const options = { host: HOST, port, servername: "localhost", secureContext: clientContext };
  return connectSocket(() => tls.connect(options), "secureConnect");
}

const adapter = {
  // The client's trust context is built once, outside the timing.
  prepare: (role, config) => {
    if (role === "client") {
      clientContext = tls.createSecureContext({ ca: readFileSync(config.certPath), ...VERSION });
    }
  },
  listen: (config, onChannel) => {
    const options = { key: readFileSync(config.keyPath), cert: readFileSync(config.certPath) };
    return listenPair(
      () => tls.createServer({ ...options, ...VERSION }),
      onChannel,
      "secureConnection",
    );
  },
  dial: async (addrs) => perConnectionSession((kind) => connectPort(addrs[kind])),
  handshake: async (port) => {
    const socket = await connectPort(port);
    return { close: async () => socket.destroy() };
  },
};

await runPeer(adapter);
