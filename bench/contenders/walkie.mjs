/**
 * Walkie's library (dist/index.js): one link per session, one stream per
 * channel, like libp2p. `node walkie.mjs id <home>` prints the device ID of
 * that home, which the orchestrator needs to set up --allow and --peer.
 */
import { fromDuplex } from "../lib/channel.mjs";
import { runPeer } from "../lib/peer.mjs";

const HOST = "127.0.0.1";
const SERVICES = { sink: "bench-sink", echo: "bench-echo" };

async function loadCreateNode() {
  const walkie = await import(new URL("../../dist/index.js", import.meta.url).href);
  if (typeof walkie.createNode !== "function") {
    throw new Error("dist/index.js does not export createNode yet");
  }
  return walkie.createNode;
}

let node;

const adapter = {
  prepare: async (role, config) => {
    const createNode = await loadCreateNode();
    node = await createNode({ home: role === "server" ? config.serverHome : config.clientHome });
  },
  listen: async (config, onChannel) => {
    for (const [kind, service] of Object.entries(SERVICES)) {
      node.handle(service, (stream) => onChannel(kind, fromDuplex(stream)));
    }
    const listener = await node.listen({ host: HOST, port: 0, allow: [config.clientId] });
    return {
      addrs: { sink: listener.port, echo: listener.port },
      close: async () => listener.close?.(),
    };
  },
  dial: async (addrs, config) => {
    const link = await node.dial({ host: HOST, port: addrs.echo, peer: config.serverId });
    const channels = [];
    return {
      open: async (kind) => {
        const ch = fromDuplex(await link.openStream(SERVICES[kind]));
        channels.push(ch);
        return ch;
      },
      // link.close() waits for open streams, so end ours first.
      close: async () => {
        await Promise.all(channels.map((ch) => ch.end()));
        await link.close();
      },
    };
  },
  handshake: async (port, config) => {
    const link = await node.dial({ host: HOST, port, peer: config.serverId });
    return { close: () => link.close() };
  },
  shutdown: () => node?.close(),
};

/** Prints the device ID of `home`; failures as one line for the table. */
async function printId(home) {
  try {
    const createNode = await loadCreateNode();
    const idNode = await createNode({ home });
    process.stdout.write(`${idNode.id}\n`);
    await idNode.close();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[2] === "id") {
  await printId(process.argv[3]);
} else {
  await runPeer(adapter);
}
