/**
 * Client processes of bench/many-links.mjs: forked with IPC, each leading
 * its own process group, all killed when the orchestrator exits.
 */
import { fork } from "node:child_process";

const live = new Set();

export function killAllClients() {
  for (const child of live) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Forks `script args`; `next(type, ms)` resolves with its next message of that type. */
export function forkClient(script, args, options = {}) {
  const child = fork(script, args, {
    stdio: ["ignore", "inherit", "pipe", "ipc"],
    detached: true,
    ...options,
  });
  live.add(child);
  let tail = "";
  child.stderr.on("data", (chunk) => {
    tail = (tail + chunk).slice(-2000);
  });
  const inbox = [];
  const waiters = new Set();
  let exited = null;
  const check = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.on("message", (message) => {
    inbox.push(message);
    check();
  });
  child.on("exit", (code) => {
    live.delete(child);
    exited = code;
    check();
  });
  return {
    send: (message) => child.send(message),
    next(type, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${args[0]}: no ${type} within ${timeoutMs} ms\n${tail}`));
        }, timeoutMs);
        const waiter = () => {
          const index = inbox.findIndex((m) => m.type === type || m.type === "error");
          if (index < 0 && exited === null) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          if (index < 0) return reject(new Error(`${args[0]} exited (${exited})\n${tail}`));
          const [message] = inbox.splice(index, 1);
          if (message.type === "error") reject(new Error(message.message));
          else resolve(message);
        };
        waiters.add(waiter);
        waiter();
      });
    },
  };
}
