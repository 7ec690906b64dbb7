/**
 * Peak resident memory of a process we did not write (socat, the walkie CLI),
 * from Linux /proc/<pid>/status VmHWM. The value is gone once the process
 * exits, so it is polled while the process lives and the last reading kept;
 * VmHWM only grows, so the last reading is the closest to the true peak.
 */
import { readFileSync } from "node:fs";

const POLL_MS = 50;

/** VmHWM in KB, or undefined if the process is gone (or not Linux). */
export function readVmHwmKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    // ENOENT: the process has exited; the caller keeps its last reading.
    return undefined;
  }
}

/** Tracks a child's VmHWM until it exits; `peakKb()` is the latest reading. */
export function trackVmHwm(child) {
  let peak = 0;
  const poll = () => {
    peak = Math.max(peak, readVmHwmKb(child.pid) ?? 0);
  };
  const timer = setInterval(poll, POLL_MS);
  timer.unref();
  child.once("exit", () => clearInterval(timer));
  return {
    peakKb: () => {
      poll();
      return peak;
    },
  };
}
