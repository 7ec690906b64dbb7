/**
 * Runs the built CLI (`node dist/cli/main.js`, made by `npm run build`) as
 * real child processes: identities in temp homes, listeners whose port comes
 * from their `listening` event, NDJSON events parsed from stderr, and exits
 * awaited with a deadline that kills the child and fails with its stderr.
 * Every child is killed after the test that started it, and at process exit.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "./temp.js";

export const CLI_PATH = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Deadline for a child to exit or to print an awaited event. Generous: the machine may be busy. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** How long after a child exits its stderr may still be drained (a grandchild may hold it open). */
const STDERR_GRACE_MS = 5_000;

/** One NDJSON status line from `--json` (e.g. `listening`, `error`). */
export interface CliEvent {
  event: string;
  code?: string;
  message?: string;
  [field: string]: unknown;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What a child printed on stdout: always the size and SHA-256, the bytes only if kept. */
export interface StdoutSummary {
  bytes: number;
  sha256: string;
  /** Undefined when spawned with `stdout: "hash"` (large outputs are never kept). */
  data: Buffer | undefined;
}

export interface SpawnOptions {
  /** The WALKIE_HOME of the child. */
  home: string;
  /** Keep stdout in memory ("buffer") or only hash it ("hash"). @default "buffer" */
  stdout?: "buffer" | "hash";
  /** More environment variables for the child. */
  env?: Record<string, string>;
}

const live = new Set<ChildProcessWithoutNullStreams>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A running `walkie` child process. */
export class WalkieProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly args: readonly string[];
  /** NDJSON events seen on stderr so far, in order. */
  readonly events: CliEvent[] = [];
  /** All of stderr as text. */
  stderr = "";
  /** Settles when stdout ends. */
  readonly stdout: Promise<StdoutSummary>;
  /** Settles when the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Bytes read from stdout so far. */
  stdoutBytes = 0;
  /** Stdout so far as text (kept only with `stdout: "buffer"`), for NDJSON on stdout. */
  stdoutText = "";
  /** An error writing to the child's stdin (EPIPE once it exits), kept for inspection. */
  stdinError: Error | undefined;
  private status: ExitStatus | undefined;
  private partialLine = "";
  private readonly watchers = new Set<() => void>();

  constructor(args: readonly string[], options: SpawnOptions) {
    assert.ok(existsSync(CLI_PATH), `${CLI_PATH} is missing: run npm run build first`);
    this.args = args;
    this.child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: { ...process.env, ...options.env, WALKIE_HOME: options.home, WALKIE_DEBUG: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    live.add(this.child);
    after(() => this.kill("SIGKILL"));
    this.child.stdin.on("error", (err) => {
      this.stdinError = err;
    });
    if ((options.stdout ?? "buffer") === "buffer") {
      this.child.stdout.on("data", (chunk: Buffer) => {
        this.stdoutText += chunk.toString("utf8");
      });
    }
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (text: string) => this.onStderr(text));
    this.stdout = summarize(this.child.stdout, options.stdout ?? "buffer", (bytes) => {
      this.stdoutBytes += bytes;
      this.notify();
    });
    // Tests that never look at stdout must not turn a pipe error into an unhandled rejection;
    // those that await it still see the error.
    this.stdout.catch(() => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        live.delete(this.child);
        // "exit" may come before the last of stderr is read: a test that
        // looks at the error line right after the exit must see it.
        const settle = () => {
          clearTimeout(timer);
          if (this.status !== undefined) return;
          this.status = { code, signal };
          this.notify();
          resolve(this.status);
        };
        const timer = setTimeout(settle, STDERR_GRACE_MS);
        if (this.child.stderr.readableEnded || this.child.stderr.destroyed) settle();
        else this.child.stderr.once("close", settle);
      });
    });
  }

  /** Sends `signal` unless the child has already exited. */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.status === undefined) this.child.kill(signal);
  }

  /**
   * Resolves with the first event named `name` (already seen or still to
   * come) that passes `match`. Fails if the child exits first or after
   * `timeoutMs` (the child is then killed).
   */
  waitForEvent(
    name: string,
    match: (event: CliEvent) => boolean = () => true,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<CliEvent> {
    const find = () => this.events.find((event) => event.event === name && match(event));
    return this.waitFor<CliEvent>(`the "${name}" event`, timeoutMs, () => {
      const event = find();
      if (event !== undefined) return { value: event };
      if (this.status !== undefined) {
        return { error: `exited (${describeStatus(this.status)}) before the "${name}" event` };
      }
      return undefined;
    });
  }

  /** Resolves once stdout has carried at least `bytes` bytes. */
  waitForStdout(bytes: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.waitFor(`${bytes} bytes on stdout`, timeoutMs, () => {
      if (this.stdoutBytes >= bytes) return { value: undefined };
      if (this.status !== undefined) {
        return { error: `exited (${describeStatus(this.status)}) after ${this.stdoutBytes} bytes` };
      }
      return undefined;
    });
  }

  /** Waits for the exit and asserts its code (a signal fails the assertion). */
  async expectExit(code: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const status = await this.waitForExit(timeoutMs);
    assert.deepEqual(status, { code, signal: null }, `${this.describe()}\nstderr:\n${this.stderr}`);
  }

  /** Resolves with the exit status; after `timeoutMs` kills the child and fails clearly. */
  waitForExit(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ExitStatus> {
    return this.waitFor("exit", timeoutMs, () =>
      this.status === undefined ? undefined : { value: this.status },
    );
  }

  /**
   * The error code the child reported: from its last `error` event with
   * --json, else from its one-line message `walkie: <message> (<CODE>)`.
   */
  errorCode(): string | undefined {
    const event = this.events.findLast((e) => e.event === "error");
    if (event !== undefined) return event.code;
    return /^walkie: .+ \((ERR_[A-Z0-9_]+)\)$/m.exec(this.stderr)?.[1];
  }

  /**
   * Writes `source` to the child's stdin and ends it, with backpressure.
   * Resolves with undefined once all is written, or with the write error
   * (EPIPE when the child exits first), so a test decides whether that is a
   * failure and no rejection goes unhandled while it waits for something else.
   */
  feed(source: Buffer | Iterable<Buffer> | AsyncIterable<Buffer>): Promise<Error | undefined> {
    const input = Buffer.isBuffer(source) ? [source] : source;
    return pipeline(Readable.from(input, { objectMode: false }), this.child.stdin).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  }

  private waitFor<T>(
    what: string,
    timeoutMs: number,
    check: () => { value: T } | { error: string } | undefined,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const watcher = () => {
        const result = check();
        if (result === undefined) return;
        this.watchers.delete(watcher);
        clearTimeout(timer);
        if ("value" in result) resolve(result.value);
        else reject(new Error(`${this.describe()} ${result.error}\nstderr:\n${this.stderr}`));
      };
      timer = setTimeout(() => {
        this.watchers.delete(watcher);
        this.kill("SIGKILL");
        reject(
          new Error(
            `${this.describe()}: no ${what} within ${timeoutMs} ms (killed)\nstderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
      this.watchers.add(watcher);
      watcher();
    });
  }

  private describe(): string {
    return `walkie ${this.args.join(" ")}`;
  }

  private onStderr(text: string): void {
    this.stderr += text;
    const lines = (this.partialLine + text).split("\n");
    this.partialLine = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      this.events.push(JSON.parse(line) as CliEvent);
    }
    this.notify();
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}

function describeStatus(status: ExitStatus): string {
  return status.signal !== null ? `signal ${status.signal}` : `code ${status.code}`;
}

function summarize(
  stream: Readable,
  mode: "buffer" | "hash",
  onData: (bytes: number) => void,
): Promise<StdoutSummary> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
      if (mode === "buffer") chunks.push(chunk);
      onData(chunk.length);
    });
    stream.once("end", () =>
      resolve({
        bytes,
        sha256: hash.digest("hex"),
        data: mode === "buffer" ? Buffer.concat(chunks) : undefined,
      }),
    );
    stream.once("error", reject);
  });
}

/** Starts `walkie <args>` with its own WALKIE_HOME. */
export function walkie(args: readonly string[], options: SpawnOptions): WalkieProcess {
  return new WalkieProcess(args, options);
}

/** A CLI identity: a temp WALKIE_HOME and what `walkie id --json` printed for it. */
export interface CliIdentity {
  home: string;
  id: string;
  name: string;
  publicKey: string;
}

/** Makes a fresh identity (its home is removed after the test or file). */
export async function makeIdentity(): Promise<CliIdentity> {
  const home = tempDir("walkie-cli-");
  const proc = walkie(["id", "--json"], { home });
  proc.child.stdin.end();
  const status = await proc.waitForExit();
  assert.equal(status.code, 0, proc.stderr);
  const out = await proc.stdout;
  const fields = JSON.parse(out.data!.toString("utf8")) as Omit<CliIdentity, "home">;
  assert.match(fields.id, /^[A-Z2-7]{9}(-[A-Z2-7]{9}){3}$/);
  return { home, ...fields };
}

/** `walkie pipe --listen` on 127.0.0.1, any free port, once it reports `listening`. */
export async function startListener(
  identity: CliIdentity,
  allow: readonly string[],
  options: { stdout?: "buffer" | "hash"; env?: Record<string, string> } = {},
): Promise<{ proc: WalkieProcess; port: number }> {
  const args = ["pipe", "--listen", "--host", "127.0.0.1", "--port", "0", "--json"];
  if (allow.length > 0) args.push("--allow", ...allow);
  const proc = walkie(args, { home: identity.home, ...options });
  const event = await proc.waitForEvent("listening");
  assert.equal(event.id, identity.id);
  assert.ok(typeof event.port === "number" && event.port > 0, JSON.stringify(event));
  return { proc, port: event.port };
}

/** `walkie pipe --to 127.0.0.1:<port> --peer <peer>`, with --json unless `json` is false. */
export function startDialer(
  identity: CliIdentity,
  port: number,
  peer: string,
  options: { json?: boolean; stdout?: "buffer" | "hash"; env?: Record<string, string> } = {},
): WalkieProcess {
  const args = ["pipe", "--to", `127.0.0.1:${port}`, "--peer", peer];
  if (options.json !== false) args.push("--json");
  return walkie(args, { home: identity.home, stdout: options.stdout, env: options.env });
}

/** Resolves or rejects like `promise`, but rejects after `timeoutMs` naming `what`. */
export function withDeadline<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
