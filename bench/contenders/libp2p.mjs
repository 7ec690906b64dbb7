/**
 * Reference peer: js-libp2p v3 with TCP + Noise + Yamux, one connection with
 * one stream per channel. Kept inside bench/: nothing in src/ imports it.
 */

// libp2p v3 calls Promise.withResolvers (Node 22+) at run time; Node 20 lacks
// it. Installed before the libp2p modules load, and only in this process.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { createLibp2p } = await import("libp2p");
const { tcp } = await import("@libp2p/tcp");
const { noise } = await import("@chainsafe/libp2p-noise");
const { yamux } = await import("@chainsafe/libp2p-yamux");
const { multiaddr } = await import("@multiformats/multiaddr");
const { fromLibp2p } = await import("../lib/channel.mjs");
const { runPeer } = await import("../lib/peer.mjs");

const PROTOCOLS = { sink: "/walkie-bench/sink/1.0.0", echo: "/walkie-bench/echo/1.0.0" };

let node;

function createNode(role) {
  return createLibp2p({
    addresses: { listen: role === "server" ? ["/ip4/127.0.0.1/tcp/0"] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The default limits 5 inbound connections per second per host, which
    // the 200-connection handshake test would trip.
    connectionManager: { inboundConnectionThreshold: 1e9, maxIncomingPendingConnections: 1e3 },
  });
}

const adapter = {
  prepare: async (role) => {
    node = await createNode(role);
  },
  listen: async (_config, onChannel) => {
    for (const [kind, protocol] of Object.entries(PROTOCOLS)) {
      await node.handle(protocol, (stream) => onChannel(kind, fromLibp2p(stream)));
    }
    const addr = node.getMultiaddrs()[0].toString();
    return { addrs: { sink: addr, echo: addr }, close: async () => {} };
  },
  dial: async (addrs) => {
    const conn = await node.dial(multiaddr(addrs.echo));
    return {
      open: async (kind) => fromLibp2p(await conn.newStream(PROTOCOLS[kind])),
      close: () => conn.close(),
    };
  },
  handshake: async (addr) => {
    const conn = await node.dial(multiaddr(addr));
    return { close: () => conn.close() };
  },
  shutdown: () => node?.stop(),
};

await runPeer(adapter);
