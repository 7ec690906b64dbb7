/**
 * The chat partner of bench/many-links.mjs: one more identity, paired with
 * the node under test, that sends a message every few milliseconds while the
 * other links are held and times each round trip: from \`chat.send\` until
 * the node's delivery receipt comes back (the message is recorded on disk on
 * both sides on the way, as in real use).
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
          await roundTrip(node, peer, link);
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

/** One chat message, until its receipt. */
function roundTrip(node, peer, link) {
  return new Promise((resolve, reject) => {
    let id;
    const early = new Set();
    const onReceipt = (message) => {
      if (id === undefined) early.add(message.id);
      else if (message.id !== id) return;
      if (id === undefined) return;
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error("the chat link closed"));
    };
    const cleanup = () => {
      node.chat.off("receipt", onReceipt);
      link.off("close", onClose);
    };
    node.chat.on("receipt", onReceipt);
    link.once("close", onClose);
    node.chat.send(peer, `ping ${Date.now()}`).then((message) => {
      id = message.id;
      if (early.has(id)) {
        cleanup();
        resolve();
      }
    }, reject);
  });
}
