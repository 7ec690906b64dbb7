/**
 * Forks contender children with an IPC channel and makes sure none outlive
 * the orchestrator: each child leads its own process group (so socat or CLI
 * grandchildren go with it), every wait has a deadline, and all groups are
 * SIGKILLed on exit, on signals, and on an uncaught error.
 */
import { fork } from "node:child_process";
import { constants } from "node:os";

const STOP_TIMEOUT_MS = 4000;
const live = new Set();

function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch (err) {
    // ESRCH: the group is already gone, which is the goal.
    if (err.code !== "ESRCH") throw err;
  }
}

/** SIGKILLs every child group still running. */
export function killAll() {
  for (const child of live) killGroup(child);
  live.clear();
}

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    killAll();
    process.exit(128 + constants.signals[signal]);
  });
}

/**
 * Forks `script args...`; `next(type, ms)` resolves with the child's next
 * message of that type, and rejects on an "error" message, on exit, or on
 * timeout, with the tail of the child's output. `failed` rejects as soon as
 * the child errors or dies before `stop()`.
 */
export function forkPeer(script, args, name = args[0]) {
  const child = fork(script, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], detached: true });
  live.add(child);
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-3000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const inbox = [];
  let exit = null;
  child.on("message", (message) => inbox.push(message));
  child.on("exit", (code, signal) => {
    live.delete(child);
    exit = code ?? signal;
  });
  const failure = (what) => new Error(`${name} ${what}\n${output.trim()}`.trim());

  const next = (type, timeoutMs) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const index = inbox.findIndex((m) => m.type === type || m.type === "error");
        if (index >= 0) {
          const [message] = inbox.splice(index, 1);
          finish();
          if (message.type === "error") reject(new Error(message.message));
          else resolve(message);
        } else if (exit !== null) {
          finish();
          // A short delay lets the child's last stderr lines arrive.
          setTimeout(() => reject(failure(`child exited (${exit})`)), 50);
        }
      };
      const timer = setTimeout(() => {
        finish();
        const err = failure(`timed out after ${timeoutMs / 1000} s waiting for ${type}`);
        reject(Object.assign(err, { code: "ETIMEDOUT" }));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        child.off("message", check);
        child.off("exit", check);
      };
      child.on("message", check);
      child.on("exit", check);
      check();
    });

  let stopping = false;
  /** Rejects if the child dies or reports an error before stop(). */
  const failed = new Promise((_, reject) => {
    child.on("message", (message) => {
      if (message.type === "error") reject(new Error(message.message));
    });
    child.on("exit", () => {
      if (!stopping) setTimeout(() => reject(failure(`child exited (${exit})`)), 50);
    });
  });
  // Only meaningful inside a race; never an unhandled rejection on its own.
  failed.catch(() => {});

  /** Asks the child to close gracefully; SIGKILLs its group if it dawdles. */
  const stop = async () => {
    stopping = true;
    if (exit !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    if (child.connected) child.send({ type: "stop" });
    const timer = setTimeout(() => killGroup(child), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    // Reap grandchildren that the child left behind, if any.
    killGroup(child);
  };

  return { next, failed, stop };
}
