/** Reference peer: plain TCP with node:net, no encryption. */
import net from "node:net";
import { runPeer } from "../lib/peer.mjs";
import { connectSocket, HOST, listenPair, perConnectionSession } from "../lib/sockets.mjs";

const connectPort = (port) => connectSocket(() => net.connect({ host: HOST, port }), "connect");

const adapter = {
  listen: (_config, onChannel) => listenPair(() => net.createServer(), onChannel, "connection"),
  dial: async (addrs) => perConnectionSession((kind) => connectPort(addrs[kind])),
  handshake: async (port) => {
    const socket = await connectPort(port);
    return { close: async () => socket.destroy() };
  },
};

await runPeer(adapter);
