/**
 * The chat partner of bench/many-links.mjs: one more identity, paired with
 * the node under test, that sends a message every few milliseconds while the
 * other links are held and times each round trip.
 */
import { performance } from "node:perf_hooks";
import { createNode } from "../../dist/index.js";

export async function chatProbe(home) {
  const node = await createNode({ home, name: "chat-partner", discovery: false });
  return {
    publicKey: node.publicKey.toString("base64"),
    run({ port, peer, intervalMs }) {
      const rtts = [];
      let stopped = false;
      const done = (async () => {
        const link = await node.dial({ host: "127.0.0.1", port, peer, timeoutMs: 30_000 });
        await link.confirmed;
        while (!stopped) {
          const t0 = performance.now();
          await roundTrip(link);
          rtts.push(performance.now() - t0);
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
        await node.close();
      })();
      return {
        async stop() {
          stopped = true;
          await done;
          return rtts;
        },
      };
    },
  };
}

/** One message and its answer. */
function roundTrip(link) {
  return link.ping();
}
