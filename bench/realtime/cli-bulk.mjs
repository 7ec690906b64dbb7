/**
 * Bulk through the walkie CLI, fed and drained by this process: `walkie
 * pipe` (stdin to the peer's stdout), `walkie forward` (a TCP connection to
 * the local port, out of the peer's side into a TCP sink here), and `walkie
 * pipe --serial` over a socat pty pair (plus the pty pair alone, raw, for
 * what the pty allows). Each is timed at the receiving end, first to last byte.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { constants, write as fsWrite, openSync } from "node:fs";
import { connect, createServer } from "node:net";
import { ReadStream as TtyReadStream } from "node:tty";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const CHUNK = 64 * 1024;

/** Starts `walkie args...` with WALKIE_HOME=home; resolves events as they come on stderr. */
function walkie(home, args, { stdout = "ignore" } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, WALKIE_HOME: home, WALKIE_DISCOVERY: "off" },
    stdio: ["pipe", stdout, "pipe"],
  });
  let stderr = "";
  const events = [];
  const waiters = [];
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    for (const line of chunk.toString().split("\n")) {
      if (line.startsWith("{")) events.push(JSON.parse(line));
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const event = (name, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${name} from walkie ${args[0]}: ${stderr}`)),
        timeoutMs,
      );
      const check = () => {
        const found = events.find((e) => e.event === name);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      waiters.push(check);
      check();
      void exited.then(() =>
        setTimeout(() => reject(new Error(`walkie ${args[0]} exited: ${stderr}`)), 100),
      );
    });
  return { child, event, exited, stderr: () => stderr };
}

/** Writes `size` bytes of one random chunk repeated into `writable`, with backpressure, then ends it. */
async function feed(writable, size) {
  const chunk = randomBytes(CHUNK);
  for (let sent = 0; sent < size; sent += CHUNK) {
    const piece = sent + CHUNK <= size ? chunk : chunk.subarray(0, size - sent);
    if (!writable.write(piece)) await new Promise((resolve) => writable.once("drain", resolve));
  }
  writable.end();
}

/** Counts (and optionally hashes) what `readable` carries; MB/s from first to last byte. */
function drain(readable, hash = false) {
  const digest = hash ? createHash("sha256") : undefined;
  let bytes = 0;
  let first;
  let last;
  readable.on("data", (chunk) => {
    first ??= performance.now();
    last = performance.now();
    bytes += chunk.length;
    digest?.update(chunk);
  });
  return new Promise((resolve, reject) => {
    readable.once("end", () =>
      resolve({
        bytes,
        mbPerS: bytes / 1e6 / ((last - first) / 1000),
        sha256: digest?.digest("hex"),
      }),
    );
    readable.once("error", reject);
  });
}

export async function pipeBulk(setup, size) {
  const listener = walkie(
    setup.serverHome,
    ["pipe", "--listen", "--host", "127.0.0.1", "--port", "0", "--allow", setup.clientId, "--json"],
    { stdout: "pipe" },
  );
  listener.child.stdin.end();
  const received = drain(listener.child.stdout);
  const { port } = await listener.event("listening");
  const dialer = walkie(setup.clientHome, [
    "pipe",
    "--to",
    `127.0.0.1:${port}`,
    "--peer",
    setup.serverId,
  ]);
  await feed(dialer.child.stdin, size);
  const result = await received;
  await Promise.all([listener.exited, dialer.exited]);
  return result;
}

export async function forwardBulk(setup, size) {
  let received;
  const sink = createServer((socket) => {
    received = drain(socket);
  });
  await new Promise((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const target = `127.0.0.1:${sink.address().port}`;
  const serve = walkie(setup.serverHome, [
    ...["forward", "--serve", "--host", "127.0.0.1", "--port", "0", "--json"],
    ...["--allow", setup.clientId, "--allow-forward", target],
  ]);
  const { port } = await serve.event("listening");
  const fwd = walkie(setup.clientHome, [
    ...["forward", "0", `127.0.0.1:${port}`, target, "--peer", setup.serverId, "--json"],
  ]);
  const local = await fwd.event("listening");
  const socket = connect({ host: "127.0.0.1", port: local.port });
  await new Promise((resolve) => socket.once("connect", resolve));
  await feed(socket, size);
  while (received === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  const result = await received;
  fwd.child.kill("SIGINT");
  serve.child.kill("SIGINT");
  await Promise.all([fwd.exited, serve.exited]);
  sink.close();
  return result;
}

/** A socat pty pair: resolves with both paths and a stop function. */
function ptyPair() {
  const socat = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let text = "";
    socat.stderr.on("data", (chunk) => {
      text += chunk;
      const paths = [...text.matchAll(/PTY is (\S+)/g)].map((m) => m[1]);
      if (paths.length === 2 && text.includes("starting data transfer loop")) {
        resolve({ paths, stop: () => socat.kill("SIGKILL") });
      }
    });
    socat.once("error", reject);
  });
}

/** The pty pair alone: raw bytes one way, as fast as it takes them. */
export async function rawPty(size) {
  const { paths, stop } = await ptyPair();
  const flags = constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK;
  const [a, b] = paths.map((path) => openSync(path, flags));
  const reader = new TtyReadStream(b);
  const received = new Promise((resolve) => {
    let bytes = 0;
    let first;
    reader.on("data", (chunk) => {
      first ??= performance.now();
      bytes += chunk.length;
      if (bytes >= size)
        resolve({ bytes, mbPerS: bytes / 1e6 / ((performance.now() - first) / 1000) });
    });
  });
  const chunk = randomBytes(CHUNK);
  const writeAll = (buf) =>
    new Promise((resolve, reject) => {
      const again = (offset) =>
        fsWrite(a, buf, offset, buf.length - offset, null, (err, n) => {
          if (err?.code === "EAGAIN") setTimeout(() => again(offset), 1);
          else if (err) reject(err);
          else if (offset + n < buf.length) again(offset + n);
          else resolve();
        });
      again(0);
    });
  for (let sent = 0; sent < size; sent += CHUNK) await writeAll(chunk);
  const result = await received;
  reader.destroy();
  stop();
  return result;
}

export async function serialPipe(setup, size, baud) {
  const { paths, stop } = await ptyPair();
  try {
    const listener = walkie(
      setup.serverHome,
      ["pipe", "--serial", paths[1], "--listen", "--allow", setup.clientId, "--json"],
      { stdout: "pipe" },
    );
    listener.child.stdin.end();
    const received = drain(listener.child.stdout, true);
    const dialer = walkie(setup.clientHome, [
      ...["pipe", "--serial", paths[0], "--baud", String(baud), "--peer", setup.serverId],
    ]);
    const data = randomBytes(size);
    const expected = createHash("sha256").update(data).digest("hex");
    dialer.child.stdin.end(data);
    const result = await received;
    await Promise.all([listener.exited, dialer.exited]);
    return { ...result, correct: result.sha256 === expected };
  } finally {
    stop();
  }
}
