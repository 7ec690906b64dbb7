/**
 * Test harness for the discovery tests (no tests of its own; the `.test.ts`
 * name keeps it out of the build). It makes a private network of two
 * namespaces joined by a veth pair, 10.77.0.1 <-> 10.77.0.2, so multicast
 * never leaves the test, and runs announcers and browsers there as child
 * processes. Without the rights for namespaces it falls back to the host's
 * own interfaces, where multicast stays on this machine's LAN segment.
 *
 * Run with WALKIE_MDNS_CHILD=1 this file is the child: it reads its job from
 * WALKIE_MDNS_CONFIG, prints JSON lines, and takes JSON commands on stdin.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { listInterfaces } from "./interfaces.js";

export type Event = Record<string, unknown> & { event: string };

export interface TestNet {
  /** "netns": two private namespaces; "host": this machine's interfaces. */
  mode: "netns" | "host";
  /** Command prefix that runs a program on side 0 or 1. */
  prefix(side: 0 | 1): string[];
  /** Removes the namespaces (and so every process still in them). */
  close(): void;
}

function run(argv: string[]): boolean {
  const result = spawnSync(argv[0]!, argv.slice(1), { stdio: "ignore", timeout: 10_000 });
  return result.status === 0;
}

/** Ends processes we started in our own namespace, by pid. */
function killNamespace(ns: string): void {
  const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "";
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone: nothing to end
    }
  }
}

/** A private two-namespace network, the host network, or a reason to skip. */
export function setUpTestNet(): TestNet | string {
  const tag = `wk${process.pid % 10_000_000}`;
  const ns = [`${tag}a`, `${tag}b`] as const;
  const made: string[] = [];
  const close = (): void => {
    for (const name of made) {
      killNamespace(name);
      run(["ip", "netns", "del", name]);
    }
    made.length = 0;
  };
  const steps = [
    ["ip", "netns", "add", ns[0]],
    ["ip", "netns", "add", ns[1]],
    [
      "ip",
      "link",
      "add",
      "name",
      ns[0],
      "netns",
      ns[0],
      "type",
      "veth",
      "peer",
      "name",
      ns[1],
      "netns",
      ns[1],
    ],
    ["ip", "-n", ns[0], "addr", "add", "10.77.0.1/24", "dev", ns[0]],
    ["ip", "-n", ns[1], "addr", "add", "10.77.0.2/24", "dev", ns[1]],
    ["ip", "-n", ns[0], "link", "set", ns[0], "up"],
    ["ip", "-n", ns[1], "link", "set", ns[1], "up"],
    ["ip", "-n", ns[0], "link", "set", "lo", "up"],
    ["ip", "-n", ns[1], "link", "set", "lo", "up"],
  ];
  // WALKIE_TEST_NETNS=0 forces the host fallback, to test it where root is available.
  let ok = process.env.WALKIE_TEST_NETNS !== "0";
  for (const step of ok ? steps : []) {
    if (!run(step)) {
      ok = false;
      break;
    }
    if (step[1] === "netns" && step[2] === "add") made.push(step[3]!);
  }
  if (ok) {
    return { mode: "netns", prefix: (side) => ["ip", "netns", "exec", ns[side]], close };
  }
  close();
  if (listInterfaces().length === 0) {
    return "no network namespaces (needs root or CAP_NET_ADMIN) and no multicast interface";
  }
  return { mode: "host", prefix: () => [], close: () => {} };
}

/** A child process running this file as WALKIE_MDNS_CHILD. */
export class Child {
  readonly events: Event[] = [];
  readonly exited: Promise<number | null>;
  private readonly process: ChildProcess;
  private readonly listeners = new Set<() => void>();
  private stderr = "";

  constructor(prefix: string[], config: Record<string, unknown>) {
    const argv = [...prefix, process.execPath, "--import", "tsx", fileURLToPath(import.meta.url)];
    this.process = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, WALKIE_MDNS_CHILD: "1", WALKIE_MDNS_CONFIG: JSON.stringify(config) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    createInterface({ input: this.process.stdout! }).on("line", (line) => {
      try {
        this.events.push(JSON.parse(line) as Event);
      } catch {
        this.stderr += `${line}\n`; // not ours: keep it for the failure message
      }
      for (const listener of this.listeners) listener();
    });
    this.process.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.process.on("exit", (code) => resolve(code)));
  }

  /** The first event (past or future) that `test` accepts. */
  waitFor(test: (e: Event) => boolean, what: string, timeoutMs = 30_000): Promise<Event> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.events.find(test);
        if (hit) {
          this.listeners.delete(listener);
          clearTimeout(timer);
          resolve(hit);
        }
        return hit !== undefined;
      };
      const listener = (): void => void check();
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        const seen = this.events.map((e) => JSON.stringify(e)).join("\n");
        reject(
          new Error(`timed out waiting for ${what}\nevents:\n${seen}\nstderr:\n${this.stderr}`),
        );
      }, timeoutMs);
      this.listeners.add(listener);
      check();
    });
  }

  send(command: Record<string, unknown>): void {
    this.process.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Asks the child to stop and waits for it; kills it (by pid) if it hangs. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.send({ cmd: "stop" });
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Runs `avahi-browse -rpt _walkie._tcp` until a line holds $WALKIE_WANT. When
 * no avahi-daemon answers, starts dbus-daemon (if its socket is missing) and
 * avahi-daemon, and ends exactly those two (by pid) afterwards. With
 * WALKIE_PRIVATE_RUN=1 (inside our namespace) it first mounts a fresh /run,
 * so the daemons are private to the namespace and the host's are untouched.
 */
const AVAHI_SCRIPT = `
if [ "$WALKIE_PRIVATE_RUN" = 1 ]; then
  mount -t tmpfs -o mode=755 walkie-run /run || { echo "SKIP: cannot mount a private /run"; exit 0; }
fi
STARTED=""
OURBUS=0
if ! avahi-browse -a -t -p >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "SKIP: avahi-daemon is not running and we are not root to start it"; exit 0; }
  mkdir -p /run/dbus /run/avahi-daemon
  BUS=/run/dbus/system_bus_socket
  if ! dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null 2>&1; then
    rm -f $BUS # a socket left by a dbus-daemon that is gone
    dbus-daemon --system --nofork --nopidfile 2>/dev/null &
    STARTED="$!"
    OURBUS=1
    for i in $(seq 1 100); do [ -S $BUS ] && break; sleep 0.1; done
  fi
  avahi-daemon --no-chroot --no-rlimits --syslog 2>/dev/null &
  STARTED="$! $STARTED"
  for i in $(seq 1 100); do avahi-browse -a -t -p >/dev/null 2>&1 && break; sleep 0.2; done
  avahi-browse -a -t -p >/dev/null 2>&1 || { echo "SKIP: avahi-daemon did not start"; kill $STARTED; exit 0; }
fi
for i in $(seq 1 15); do
  OUT=$(avahi-browse -rpt _walkie._tcp 2>&1)
  echo "$OUT" | grep -q -- "$WALKIE_WANT" && break
  sleep 1
done
echo "$OUT"
[ -n "$STARTED" ] && kill $STARTED 2>/dev/null
wait
[ "$OURBUS" = 1 ] && rm -f $BUS
exit 0
`;

/**
 * What `avahi-browse -rpt _walkie._tcp` printed once a line held `want`, or a
 * line starting with "SKIP: " and the reason.
 */
export async function avahiBrowse(net: TestNet, side: 0 | 1, want: string): Promise<string> {
  const missing = ["avahi-daemon", "avahi-browse", "dbus-daemon", "dbus-send"].filter(
    (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) {
    return `SKIP: ${missing.join(", ")} not installed (Debian: avahi-daemon avahi-utils dbus)`;
  }
  const argv = [...net.prefix(side), "sh", "-c", AVAHI_SCRIPT];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: {
      ...process.env,
      WALKIE_WANT: want,
      WALKIE_PRIVATE_RUN: net.mode === "netns" ? "1" : "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  await new Promise((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  const skip = output.split("\n").find((line) => line.startsWith("SKIP: "));
  return skip ?? output;
}

if (process.env.WALKIE_MDNS_CHILD === "1") {
  const { runChild } = await import("./mdns-child.test.js");
  await runChild(JSON.parse(process.env.WALKIE_MDNS_CONFIG ?? "{}"));
}
