/**
 * Process handling for the files benchmark: commands run in their own
 * process group (killed with the run), waited for with a deadline, their
 * peak RSS polled from /proc (VmHWM), a free port on 127.0.0.1, and a wait
 * for a line on a child's output.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { trackVmHwm } from "./vm-hwm.mjs";

const live = new Set();
process.on("exit", () => {
  for (const child of live) killGroup(child);
});

function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Starts `cmd args` (own process group). `exited` resolves with the exit
 * code; `output()` is the tail of stdout+stderr; `lineMatching(re)`
 * resolves with the first output line matching `re`; `peakRssKb()` is its
 * VmHWM (the command itself, not its children).
 */
export function start(cmd, args, options = {}) {
  const child = spawn(cmd, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  live.add(child);
  const hwm = trackVmHwm(child);
  let tail = "";
  const watchers = [];
  const onData = (chunk) => {
    tail = (tail + chunk).slice(-20_000);
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout.setEncoding("utf8").on("data", onData);
  child.stderr.setEncoding("utf8").on("data", onData);
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      for (const watcher of [...watchers]) watcher();
      resolve(code ?? signal);
    });
  });
  let done = false;
  child.once("exit", () => {
    done = true;
  });
  return {
    child,
    exited,
    output: () => tail,
    peakRssKb: () => hwm.peakKb(),
    kill: () => killGroup(child),
    lineMatching(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${tail}`)),
          timeoutMs,
        );
        const check = () => {
          const line = tail.split("\n").find((l) => re.test(l));
          if (line !== undefined) finish(null, line);
          else if (done) finish(new Error(`${cmd} exited before printing ${re}:\n${tail}`));
        };
        const finish = (err, line) => {
          clearTimeout(timer);
          watchers.splice(watchers.indexOf(check), 1);
          if (err) reject(err);
          else resolve(line);
        };
        watchers.push(check);
        check();
      });
    },
  };
}

/** Waits for `proc` to exit with code 0 within `timeoutMs`; else kills it and throws with its output. */
export async function finished(proc, what, timeoutMs) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      proc.kill();
      reject(
        Object.assign(new Error(`${what} did not finish in ${timeoutMs / 1000} s`), {
          code: "ETIMEDOUT",
        }),
      );
    }, timeoutMs);
  });
  try {
    const code = await Promise.race([proc.exited, deadline]);
    if (code !== 0)
      throw new Error(
        `${what} exited with ${code}: ${proc.output().trim().split("\n").slice(-3).join(" | ")}`,
      );
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`. */
export async function listening(port, timeoutMs = 15_000) {
  const { connect } = await import("node:net");
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
