/**
 * A child of bench/many-links.mjs: makes COUNT identities (one node each,
 * homes under SCRATCH), reports their public keys, then on "go" links every
 * one of them to the target node (CONCURRENCY dials at a time), reports each
 * handshake's duration, and holds the links (keepalives running) until
 * "stop", reporting how many are still open.
 *
 * argv: name count scratch concurrency keepaliveMs
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createNode } from "../../dist/index.js";

const [name, countText, scratch, concurrencyText, keepaliveText] = process.argv.slice(2);
const count = Number(countText);
const send = (message) => process.send?.(message);

try {
  const nodes = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await createNode({
        home: join(scratch, `${name}-${i}`),
        name: `${name}-${i}`,
        discovery: false,
        keepaliveMs: Number(keepaliveText),
      }),
    );
  }
  send({ type: "keys", keys: nodes.map((node) => node.publicKey.toString("base64")) });
  const go = await nextMessage("go");
  const links = [];
  const durations = [];
  const failures = [];
  let closedEarly = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < nodes.length) {
      const node = nodes[next++];
      const t0 = performance.now();
      try {
        const link = await node.dial({
          host: "127.0.0.1",
          port: go.port,
          peer: go.peer,
          timeoutMs: 30_000,
        });
        await link.confirmed;
        durations.push(performance.now() - t0);
        link.once("close", () => closedEarly++);
        links.push(link);
      } catch (err) {
        failures.push(String(err?.code ?? err?.message ?? err));
      }
    }
  };
  await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
  send({ type: "dialed", durations, failures, wallMs: performance.now() - started });
  await nextMessage("stop");
  send({ type: "held", open: links.filter((link) => !link.closed).length, closedEarly });
  await Promise.all(nodes.map((node) => node.close()));
  process.exit(0);
} catch (err) {
  send({ type: "error", message: err?.stack ?? String(err) });
  process.exit(1);
}

function nextMessage(type) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message.type !== type) return;
      process.off("message", onMessage);
      resolve(message);
    };
    process.on("message", onMessage);
  });
}
