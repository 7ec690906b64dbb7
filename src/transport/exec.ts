/**
 * A command's stdin and stdout as one byte-stream Duplex, for links to a
 * `walkie ... --stdio` started by another program (`ssh host walkie ...`).
 * The command's stderr passes through to ours, so its errors are seen.
 */
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";
import { LinkError } from "../errors.js";

/**
 * Starts `command` through the shell and returns its stdio as a Duplex,
 * once it has started. The child is killed when the Duplex is destroyed;
 * the Duplex fails with ERR_EXEC_EXIT if the child exits before its stdout ends.
 * @throws LinkError ERR_EXEC (the command could not be started)
 */
export async function spawnDuplex(command: string): Promise<Duplex> {
  const child = spawn(command, { shell: true, stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err) =>
      reject(new LinkError("ERR_EXEC", `cannot run ${command}: ${err.message}`, { cause: err })),
    );
  });
  const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
  child.once("exit", (code, signal) => {
    if (code === 0 || duplex.destroyed) return;
    // Let stdout drain first: what the child said last may explain why it left.
    setImmediate(() => {
      if (!duplex.readableEnded) {
        duplex.destroy(
          new LinkError("ERR_EXEC_EXIT", `${command} exited with ${signal ?? `code ${code}`}`),
        );
      }
    });
  });
  duplex.once("close", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return duplex;
}
