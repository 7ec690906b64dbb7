/**
 * One side of the realtime benchmark, forked by bench/realtime.mjs:
 *   peer.mjs server <config-json>   a node that answers rpc "echo", takes chat,
 *                                    sinks "sink" streams, and a raw TCP echo server
 *   peer.mjs client <config-json>   dials it and runs one metric, reporting over IPC
 * Metrics: net-rtt (raw TCP 1 KiB echo), stream-rtt (the same on a bare stream
 * of the link), rpc-rtt (sequential 1 KiB requests),
 * rpc-rate (small requests, `concurrency` in flight), chat-load (chat send ->
 * receipt, one every 5 ms, while a bulk stream saturates the same link).
 */

import { randomBytes } from "node:crypto";
import { connect, createServer } from "node:net";
import { microsSince, summarize } from "../lib/stats.mjs";

const HOST = "127.0.0.1";
const [role, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson ?? "{}");
const walkie = await import(new URL("../../dist/index.js", import.meta.url).href);

const send = (message) => new Promise((resolve) => process.send(message, () => resolve()));
const stopped = new Promise((resolve) =>
  process.on("message", (m) => m?.type === "stop" && resolve()),
);
process.on("disconnect", () => process.exit(1));

async function server() {
  const node = await walkie.createNode({
    home: config.serverHome,
    discovery: false,
    name: "server",
  });
  node.onRequest("echo", (payload) => payload);
  node.handle("echo", (stream) => stream.pipe(stream));
  void node.chat; // takes chat messages from now on
  node.handle("sink", (stream) => {
    stream.on("end", () => stream.end());
    stream.on("error", () => {});
    stream.resume();
  });
  const listener = await node.listen({ host: HOST, port: 0, allow: [config.clientId] });
  const net = createServer({ noDelay: true }, (socket) => socket.pipe(socket));
  await new Promise((resolve) => net.listen(0, HOST, resolve));
  await send({ type: "ready", port: listener.port, netPort: net.address().port });
  await stopped;
  net.close();
  await node.close();
}

async function netRtt() {
  const socket = connect({ host: HOST, port: config.netPort, noDelay: true });
  await new Promise((resolve) => socket.once("connect", resolve));
  const payload = randomBytes(config.payloadSize);
  const samples = [];
  let pending;
  let got = 0;
  socket.on("data", (chunk) => {
    got += chunk.length;
    if (got >= payload.length) {
      got -= payload.length;
      pending();
    }
  });
  for (let i = 0; i < config.warmup + config.count; i++) {
    const start = process.hrtime.bigint();
    await new Promise((resolve) => {
      pending = resolve;
      socket.write(payload);
    });
    if (i >= config.warmup) samples.push(microsSince(start));
  }
  socket.destroy();
  return { us: summarize(samples) };
}

async function withLink(run) {
  const node = await walkie.createNode({
    home: config.clientHome,
    discovery: false,
    name: "client",
  });
  const link = await node.dial({ host: HOST, port: config.port, peer: config.serverId });
  try {
    return await run(node, link);
  } finally {
    await node.close();
  }
}

function rpcRtt() {
  return withLink(async (_node, link) => {
    const client = walkie.rpc(link);
    const payload = randomBytes(config.payloadSize);
    const samples = [];
    for (let i = 0; i < config.warmup + config.count; i++) {
      const start = process.hrtime.bigint();
      await client.request("echo", payload);
      if (i >= config.warmup) samples.push(microsSince(start));
    }
    return { us: summarize(samples) };
  });
}

/** The same 1 KiB echo on a bare stream of the link: what rpc is built on. */
function streamRtt() {
  return withLink(async (_node, link) => {
    const stream = link.openStream("echo");
    const payload = randomBytes(config.payloadSize);
    let pending;
    let got = 0;
    stream.on("data", (chunk) => {
      got += chunk.length;
      if (got >= payload.length) {
        got -= payload.length;
        pending();
      }
    });
    const samples = [];
    for (let i = 0; i < config.warmup + config.count; i++) {
      const start = process.hrtime.bigint();
      await new Promise((resolve) => {
        pending = resolve;
        stream.write(payload);
      });
      if (i >= config.warmup) samples.push(microsSince(start));
    }
    stream.end();
    return { us: summarize(samples) };
  });
}

function rpcRate() {
  return withLink(async (_node, link) => {
    const client = walkie.rpc(link);
    const payload = { n: 1, sensor: "t1" };
    const run = async (total) => {
      let issued = 0;
      const worker = async () => {
        while (issued < total) {
          issued++;
          await client.request("echo", payload);
        }
      };
      const start = performance.now();
      await Promise.all(Array.from({ length: config.concurrency }, worker));
      return total / ((performance.now() - start) / 1000);
    };
    await run(10_000); // warm-up
    const rates = [];
    for (let i = 0; i < 3; i++) rates.push(await run(config.requests));
    rates.sort((a, b) => a - b);
    return { perSecond: rates[1], runs: rates };
  });
}

function chatLoad() {
  return withLink(async (node, link) => {
    const chat = node.chat;
    const bulk = link.openStream("sink");
    bulk.on("error", () => {});
    const chunk = randomBytes(64 * 1024);
    let sent = 0;
    let stop = false;
    const started = performance.now();
    const pump = (async () => {
      while (!stop && sent < config.size) {
        sent += chunk.length;
        if (!bulk.write(chunk)) await new Promise((resolve) => bulk.once("drain", resolve));
      }
      bulk.end();
    })();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the transfer gets going
    const samples = [];
    const times = new Map();
    chat.on("receipt", (message) => {
      const start = times.get(message.id);
      if (start !== undefined) samples.push(microsSince(start));
    });
    for (let i = 0; i < config.pings && sent < config.size; i++) {
      const start = process.hrtime.bigint();
      const message = await chat.send(config.serverId, `ping ${i}`);
      times.set(message.id, start);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const during = sent;
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    await pump;
    const seconds = (performance.now() - started) / 1000;
    return { us: summarize(samples), loadMbPerS: during / 1e6 / seconds, bulkBytes: during };
  });
}

const METRICS = {
  "net-rtt": netRtt,
  "stream-rtt": streamRtt,
  "rpc-rtt": rpcRtt,
  "rpc-rate": rpcRate,
  "chat-load": chatLoad,
};

try {
  if (role === "server") await server();
  else {
    const result = await METRICS[config.metric]();
    await send({ type: "result", ...result });
    // Exit when told: exiting first races the parent's "stop" (EPIPE there).
    await stopped;
  }
  process.exit(0);
} catch (err) {
  await send({
    type: "error",
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
  process.exit(1);
}
