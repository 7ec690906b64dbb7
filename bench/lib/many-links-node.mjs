/**
 * The node under test of bench/many-links.mjs: what `walkie up` runs (a
 * NodeService with its web server), in a process started with --expose-gc so
 * memory can be read after a full collection: on "memory" it collects and
 * reports process.memoryUsage().
 *
 * argv: home
 */
import { createNode, NodeService, newToken } from "../../dist/index.js";
import { startWebServer } from "../../dist/web/index.js";

const [home] = process.argv.slice(2);
const send = (message) => process.send?.(message);
try {
  const node = await createNode({ home, name: "hub", discovery: false });
  const service = new NodeService(node, { host: "127.0.0.1" });
  await service.start();
  const web = await startWebServer({ service, token: newToken() });
  process.on("message", async (message) => {
    if (message.type === "memory") {
      for (let i = 0; i < 3; i++) global.gc?.();
      send({ type: "memory", usage: process.memoryUsage(), links: node.links().length });
    } else if (message.type === "stop") {
      await web.close();
      await service.close();
      process.exit(0);
    }
  });
  send({ type: "up", port: service.port, id: node.id });
} catch (err) {
  send({ type: "error", message: err?.stack ?? String(err) });
  process.exit(1);
}
