/**
 * Adapter for contenders that are commands carrying their stdin/stdout over
 * one connection (socat, `walkie pipe`). This process feeds and drains their
 * stdio and does the counting, echoing and timing, so those costs are the same
 * for every such contender. One command per channel: a listener command per
 * kind on the server, a connecting command per channel on the client. Peak RSS
 * is the command's own (VmHWM), not this feeder's.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fromPair } from "./channel.mjs";
import { trackVmHwm } from "./vm-hwm.mjs";

const children = new Set();
let stopping = false;

process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Spawns a command whose unexpected death fails this peer loudly. */
function start({ cmd, args, env }) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: "pipe" });
  children.add(child);
  const stderr = [];
  child.stderr.on("data", (chunk) => {
    stderr.push(chunk);
    if (stderr.length > 50) stderr.shift();
  });
  child.on("error", (err) => {
    throw new Error(`${cmd} failed to start`, { cause: err });
  });
  child.stdin.on("error", (err) => {
    // EPIPE once the command is gone; its exit handler reports why.
    if (!stopping) throw new Error(`${cmd} stdin: ${err.code}`, { cause: err });
  });
  child.on("exit", (code, signal) => {
    children.delete(child);
    if (code !== 0 && !stopping) {
      const tail = Buffer.concat(stderr).toString().slice(-1500);
      throw new Error(`${cmd} ${args.join(" ")} exited (${code ?? signal}):\n${tail}`);
    }
  });
  return { child, rss: trackVmHwm(child) };
}

/** Resolves with the port once `parsePort` recognises a stderr line. */
function listeningPort(child, parsePort) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      const port = parsePort(line);
      if (port) {
        lines.close();
        resolve(port);
      }
    });
    child.once("exit", (code) => reject(new Error(`listener exited (${code}) before listening`)));
  });
}

async function stopAll() {
  stopping = true;
  for (const child of children) child.stdin.end();
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const child of children) child.kill("SIGTERM");
}

/**
 * @param {object} commands
 * @param {(config) => {cmd, args, env}} commands.server listener, port 0
 * @param {(line: string) => number | undefined} commands.parsePort
 * @param {(port: number, config) => {cmd, args, env}} commands.client
 */
export function stdioAdapter(commands) {
  const sinks = [];
  return {
    listen: async (config, onChannel) => {
      const addrs = {};
      for (const kind of ["sink", "echo"]) {
        const { child, rss } = start(commands.server(config));
        if (kind === "sink") sinks.push(rss);
        addrs[kind] = await listeningPort(child, commands.parsePort);
        onChannel(kind, fromPair(child.stdin, child.stdout));
      }
      return { addrs, close: stopAll };
    },
    dial: async (addrs, config) => ({
      open: async (kind) => {
        const { child, rss } = start(commands.client(addrs[kind], config));
        if (kind === "sink") sinks.push(rss);
        return fromPair(child.stdin, child.stdout);
      },
      close: stopAll,
    }),
    peakRssKb: () => Math.max(0, ...sinks.map((rss) => rss.peakKb())),
  };
}
