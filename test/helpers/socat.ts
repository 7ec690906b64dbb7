/**
 * A virtual serial cable: `socat -d -d pty,raw,echo=0 pty,raw,echo=0` joins
 * two pseudo-terminals; bytes written to one come out of the other. The
 * socat process is killed after the test file.
 */
import { spawn, spawnSync } from "node:child_process";
import { after } from "node:test";

/** Whether socat can be run here (tests skip without it). */
export const HAVE_SOCAT = spawnSync("socat", ["-V"]).status === 0;

/** The two ends of a fresh virtual serial cable, e.g. ["/dev/pts/3", "/dev/pts/4"]. */
export function ptyPair(): Promise<[string, string]> {
  const socat = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  after(() => socat.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    let text = "";
    socat.stderr.setEncoding("utf8");
    socat.stderr.on("data", (chunk: string) => {
      text += chunk;
      const paths = [...text.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (paths.length === 2 && /starting data transfer loop/.test(text)) {
        resolve([paths[0]!, paths[1]!]);
      }
    });
    socat.once("error", reject);
    socat.once("exit", (code) => reject(new Error(`socat exited (${code}): ${text}`)));
  });
}
