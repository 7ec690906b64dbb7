/**
 * `node bench/many-links.mjs`: one node (`walkie up`, a real process) holds
 * many links from other identities, opened by several client processes on
 * loopback, with keepalives running. Reports handshakes per second, memory
 * per idle link (the node's RSS and heap before and after), links still held
 * at the end, and the round trip of chat messages on one more link
 * meanwhile. The node runs what `walkie up` runs (NodeService and its web
 * server) in a process of its own, started with --expose-gc so its memory is
 * read after a full collection. Needs `npm run build` first.
 *
 * Options: --links 1000 --procs 4 --concurrency 16 --hold 30 (seconds)
 *          --keepalive 5000 (ms, the clients') --chat-interval 20 (ms)
 */
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { deviceIdFromPublicKey } from "../dist/index.js";
import { chatProbe } from "./lib/many-links-chat.mjs";
import { forkClient, killAllClients } from "./lib/many-links-fork.mjs";
import { summarize } from "./lib/stats.mjs";

const { values } = parseArgs({
  options: {
    links: { type: "string", default: "1000" },
    procs: { type: "string", default: "4" },
    concurrency: { type: "string", default: "16" },
    hold: { type: "string", default: "30" },
    keepalive: { type: "string", default: "5000" },
    "chat-interval": { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const links = Number(values.links);
const procs = Math.min(Number(values.procs), links);
const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
if (!existsSync(cli)) throw new Error("dist/ is missing: run npm run build first");
const log = (line) => process.stderr.write(`${line}\n`);

const scratch = await mkdtemp(join(tmpdir(), "walkie-many-links-"));
const cleanUp = () => {
  killAllClients();
  rmSync(scratch, { recursive: true, force: true });
};
process.on("exit", cleanUp);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

// 1. Identities: the clients make theirs; the chat partner is one more.
log(`making ${links} identities in ${procs} processes…`);
const per = Array.from(
  { length: procs },
  (_, i) => Math.floor(links / procs) + (i < links % procs ? 1 : 0),
);
const clients = per.map((count, i) =>
  forkClient(fileURLToPath(new URL("./lib/many-links-client.mjs", import.meta.url)), [
    `c${i}`,
    String(count),
    scratch,
    values.concurrency,
    values.keepalive,
  ]),
);
const keys = (await Promise.all(clients.map((c) => c.next("keys", 300_000)))).flatMap(
  (m) => m.keys,
);
const chat = await chatProbe(join(scratch, "chat-partner"));

// 2. The node under test, with every identity paired (written as `walkie pair` would).
const home = join(scratch, "target");
await mkdir(home, { recursive: true, mode: 0o700 });
const now = new Date().toISOString();
const peers = [...keys, chat.publicKey].map((publicKey, i) => ({
  id: deviceIdFromPublicKey(Buffer.from(publicKey, "base64")),
  name: i < keys.length ? `client-${i}` : "chat-partner",
  publicKey,
  pairedAt: now,
  lastSeenAt: null,
  lastSeenFrom: null,
  addresses: [],
}));
await writeFile(join(home, "peers.json"), JSON.stringify({ version: 1, peers }), { mode: 0o600 });
const hub = forkClient(
  fileURLToPath(new URL("./lib/many-links-node.mjs", import.meta.url)),
  [home],
  {
    execArgv: ["--expose-gc"],
  },
);
const up = await hub.next("up", 60_000);
const memory = async () => {
  hub.send({ type: "memory" });
  const { usage, links } = await hub.next("memory", 60_000);
  return { rss: usage.rss, heap: usage.heapUsed, buffers: usage.arrayBuffers, links };
};
await sleep(3000);
const before = await memory();
log(`node up on port ${up.port}: RSS ${mb(before.rss)}, heap ${mb(before.heap)}`);

// 3. All clients dial at once.
log(`opening ${links} links…`);
const dialStart = performance.now();
for (const client of clients) client.send({ type: "go", port: up.port, peer: up.id });
const dialed = await Promise.all(clients.map((c) => c.next("dialed", 600_000)));
const dialWallMs = performance.now() - dialStart;
const durations = dialed.flatMap((m) => m.durations);
const failures = dialed.flatMap((m) => m.failures);
log(
  `${durations.length} links up in ${(dialWallMs / 1000).toFixed(1)} s, ${failures.length} failed`,
);

// 4. Hold, with keepalives running, while chatting on one more link.
const chatting = chat.run({
  port: up.port,
  peer: up.id,
  intervalMs: Number(values["chat-interval"]),
});
await sleep(Number(values.hold) * 1000);
const after = await memory(); // the chat link still open
const rtts = await chatting.stop();
const held = await Promise.all(
  clients.map((c) => {
    c.send({ type: "stop" });
    return c.next("held", 60_000);
  }),
);
hub.send({ type: "stop" });

const idleLinks = after.links - 1; // the chat link is not idle
const result = {
  links: {
    requested: links,
    opened: durations.length,
    failed: failures.length,
    heldByNode: idleLinks,
  },
  stillOpenAtEnd: held.reduce((n, m) => n + m.open, 0),
  handshakesPerSecond: durations.length / (dialWallMs / 1000),
  handshakeMs: summarize(durations),
  memory: {
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapBefore: before.heap,
    heapAfter: after.heap,
    rssPerLink: (after.rss - before.rss) / idleLinks,
    heapPerLink: (after.heap - before.heap) / idleLinks,
    buffersPerLink: (after.buffers - before.buffers) / idleLinks,
  },
  chatRttMs: summarize(rtts),
  options: values,
};
if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else printTable(result);
process.exit(0);

function printTable(r) {
  const lines = [
    "",
    `links held            ${r.links.heldByNode} of ${r.links.requested} (${r.links.failed} failed, ${r.stillOpenAtEnd} still open at the end)`,
    `handshakes per second ${r.handshakesPerSecond.toFixed(0)} (handshake median ${r.handshakeMs.median.toFixed(1)} ms, p99 ${r.handshakeMs.p99.toFixed(1)} ms, ${values.procs} processes x ${values.concurrency} at a time)`,
    `memory per idle link  ${kb(r.memory.heapPerLink + r.memory.buffersPerLink)} after GC (${kb(r.memory.heapPerLink)} JS heap + ${kb(r.memory.buffersPerLink)} buffers); ${kb(r.memory.rssPerLink)} RSS (${mb(r.memory.rssBefore)} -> ${mb(r.memory.rssAfter)})`,
    `chat round trip       median ${r.chatRttMs.median.toFixed(2)} ms, p99 ${r.chatRttMs.p99.toFixed(2)} ms, max ${r.chatRttMs.max.toFixed(2)} ms (${r.chatRttMs.count} messages over ${values.hold} s)`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
function kb(bytes) {
  return `${(bytes / 1e3).toFixed(1)} kB`;
}
