#!/usr/bin/env node
// Time to pair two fresh `walkie` CLI processes on loopback with --from:
// the waiting side prints its code, then the clock starts as the joining
// process is spawned and stops when both have reported "paired". Homes get
// their identities first (`walkie id`), so key generation is not counted.
// Usage: npm run build && node bench/pair-latency.mjs [runs=10]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const runs = Number(process.argv[2] ?? 10);

function start(home, args) {
  const child = spawn(process.execPath, [CLI, ...args, "--json"], {
    env: { ...process.env, WALKIE_HOME: home },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const events = [];
  const waiters = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    const event = { ...JSON.parse(line), at: performance.now() };
    events.push(event);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise((resolve) => child.once("exit", () => resolve(performance.now())));
  const next = (name) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = events.find((e) => e.event === name);
        const failed = events.find((e) => e.event === "error");
        if (hit) resolve(hit);
        else if (failed) reject(new Error(`${args.join(" ")}: ${failed.code} ${failed.message}`));
      };
      waiters.push(check);
      check();
    });
  return { next, exited };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const paired = [];
const joinerExit = [];
for (let i = 0; i < runs; i++) {
  const homes = [
    mkdtempSync(join(tmpdir(), "walkie-bench-")),
    mkdtempSync(join(tmpdir(), "walkie-bench-")),
  ];
  for (const home of homes) {
    spawnSync(process.execPath, [CLI, "id"], { env: { ...process.env, WALKIE_HOME: home } });
  }
  const waiter = start(homes[0], ["pair", "--host", "127.0.0.1"]);
  const { code, port } = await waiter.next("code");
  const t0 = performance.now();
  const joiner = start(homes[1], ["pair", code, "--from", `127.0.0.1:${port}`]);
  const [a, b] = await Promise.all([waiter.next("paired"), joiner.next("paired")]);
  paired.push(Math.max(a.at, b.at) - t0);
  joinerExit.push((await joiner.exited) - t0);
  await waiter.exited;
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}
const fmt = (values) => values.map((v) => v.toFixed(0)).join(" ");
console.log(`both paired, ms: ${fmt(paired)}  median ${median(paired).toFixed(0)}`);
console.log(`joiner exited, ms: ${fmt(joinerExit)}  median ${median(joinerExit).toFixed(0)}`);
