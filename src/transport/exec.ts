/**
 * A command's stdin and stdout as one byte-stream Duplex, for links to a
 * `walkie ... --stdio` started by another program (`ssh host walkie ...`).
 * The command's stderr passes through to ours, so its errors are seen.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { Duplex, type Readable, type Writable } from "node:stream";
import { LinkError } from "../errors.js";

export interface SpawnDuplexOptions {
  /** How long `destroy()` waits for the command to exit by itself before killing it. @default 5000 */
  exitGraceMs?: number;
}

/**
 * Starts `command` through the shell and resolves, once it has started,
 * with its stdio as a Duplex. Ending the Duplex ends the command's stdin;
 * it emits `close` only once the command has exited (so what the command
 * still writes to its own files is done), and fails with ERR_EXEC_EXIT if
 * the command exits unsuccessfully before its stdout ends.
 * @throws LinkError ERR_EXEC (the command could not be started)
 */
export async function spawnDuplex(
  command: string,
  options: SpawnDuplexOptions = {},
): Promise<Duplex> {
  const child = spawn(command, { shell: true, stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err) =>
      reject(new LinkError("ERR_EXEC", `cannot run ${command}: ${err.message}`, { cause: err })),
    );
  });
  return new CommandDuplex(child, command, options.exitGraceMs ?? 5_000);
}

class CommandDuplex extends Duplex {
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    command: string,
    private readonly exitGraceMs: number,
  ) {
    super({ allowHalfOpen: true });
    child.stdout.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdout.on("end", () => this.push(null));
    child.stdin.on("error", () => {
      // EPIPE once the command has exited: its exit says what happened.
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.once("exit", (code, signal) => {
      if (code === 0 || this.destroyed) return;
      // Let stdout drain first: what the command said last may explain why it left.
      setImmediate(() => {
        if (!this.readableEnded && !this.destroyed) {
          this.destroy(
            new LinkError("ERR_EXEC_EXIT", `${command} exited with ${signal ?? `code ${code}`}`),
          );
        }
      });
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    this.child.stdin.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.child.stdin.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) {
      callback(err);
      return;
    }
    child.stdin.end();
    const timer = setTimeout(() => child.kill(), this.exitGraceMs);
    this.exited.then(() => {
      clearTimeout(timer);
      callback(err);
    });
  }
}
