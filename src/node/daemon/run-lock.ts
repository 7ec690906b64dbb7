/**
 * The run file `<home>/node.json` (mode 0600): while `walkie up` runs, it
 * holds the process ID, the node's listening port and the control API's URL
 * and token. Creating it exclusively is the lock: a second node with the same
 * home fails with ERR_ALREADY_RUNNING, naming the first one's control
 * address. A file left by a process that died is stale and replaced.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../../errors.js";
import { writeFileAtomic } from "../../util/atomic-write.js";

/** What a running node publishes about itself. */
export interface RunInfo {
  pid: number;
  /** ISO 8601. */
  startedAt: string;
  id: string;
  name: string;
  /** The TCP port peers link to, once listening. */
  port?: number;
  /** Base URL of the control API (`http://127.0.0.1:PORT`), once serving. */
  control?: string;
  /** The control API's per-start token. */
  token?: string;
  /** Whether the web UI is served at `control`. */
  ui?: boolean;
}

export const RUN_FILE = "node.json";

/** A held run file; `update` adds fields as they become known. */
export interface RunLock {
  readonly path: string;
  readonly info: RunInfo;
  update(fields: Partial<RunInfo>): Promise<void>;
  /** Removes the file if it is still ours. */
  release(): Promise<void>;
}

/** A random token for the control API and web UI: 32 bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Takes the run file of `home`.
 * @throws ConfigError ERR_ALREADY_RUNNING when a live node holds it
 */
export async function acquireRunLock(
  home: string,
  info: Omit<RunInfo, "pid" | "startedAt">,
): Promise<RunLock> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = join(home, RUN_FILE);
  let current: RunInfo = { pid: process.pid, startedAt: new Date().toISOString(), ...info };
  for (let attempt = 0; ; attempt++) {
    if (await createWhole(path, `${JSON.stringify(current)}\n`)) break;
    if (attempt >= 2) throw new ConfigError("ERR_RUN_FILE", `cannot take ${path}`);
    const other = await readRunFile(path);
    if (other !== undefined && isAlive(other)) {
      const where = other.control ? ` (control ${other.control})` : " (starting)";
      throw new ConfigError(
        "ERR_ALREADY_RUNNING",
        `a node is already running with ${home}: pid ${other.pid}${where}; stop it first or use another WALKIE_HOME`,
      );
    }
    await unlink(path).catch(() => {}); // stale: its process is gone
  }
  let released = false;
  return {
    path,
    get info() {
      return current;
    },
    async update(fields) {
      current = { ...current, ...fields };
      if (!released) await writeFileAtomic(path, `${JSON.stringify(current)}\n`, { mode: 0o600 });
    },
    async release() {
      if (released) return;
      released = true;
      const onDisk = await readRunFile(path);
      if (onDisk?.pid === current.pid && onDisk.startedAt === current.startedAt) {
        await unlink(path).catch(() => {});
      }
    },
  };
}

/** The run file of `home` if a live process holds it, else undefined. */
export async function readRunInfo(home: string): Promise<RunInfo | undefined> {
  const info = await readRunFile(join(home, RUN_FILE));
  return info !== undefined && isAlive(info) ? info : undefined;
}

/**
 * Creates `path` with `text` in one step (a linked temporary file), so no
 * reader ever sees it empty. False if it exists.
 */
async function createWhole(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new ConfigError("ERR_RUN_FILE", `cannot create ${path}`, { cause: err });
  } finally {
    await unlink(temp).catch(() => {});
  }
}

async function readRunFile(path: string): Promise<RunInfo | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError("ERR_RUN_FILE", `cannot read ${path}`, { cause: err });
  }
  try {
    const info = JSON.parse(text) as Partial<RunInfo>;
    if (!Number.isInteger(info.pid) || typeof info.startedAt !== "string") return undefined;
    return info as RunInfo;
  } catch {
    return undefined; // never written whole by us: not a lock
  }
}

function isAlive(info: RunInfo): boolean {
  if (info.pid === process.pid) return true;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
