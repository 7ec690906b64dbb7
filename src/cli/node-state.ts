/**
 * What `walkie up` keeps in the home between runs: the run file while it
 * runs (one node per home), and the ports it used last, tried again at the
 * next start so peers and bookmarks find it where they left it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { acquireRunLock, hasCode, type RunLock, type WalkieNode } from "../index.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { portOption } from "./context.js";

const PORTS_FILE = "ports.json";

/** Takes the home's run file. @throws ConfigError ERR_ALREADY_RUNNING */
export function holdRunFile(node: WalkieNode): Promise<RunLock> {
  return acquireRunLock(node.home, { id: node.id, name: node.name });
}

export interface RememberedPorts {
  port: number | undefined;
  uiPort: number | undefined;
  save(ports: { port: number; uiPort: number }): Promise<void>;
}

export async function rememberPorts(home: string): Promise<RememberedPorts> {
  const path = join(home, PORTS_FILE);
  let saved: { port?: unknown; uiPort?: unknown } = {};
  try {
    saved = JSON.parse(await readFile(path, "utf8")) as typeof saved;
  } catch {
    // none yet, or unreadable: any free ports this time
  }
  const valid = (value: unknown) =>
    Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536
      ? (value as number)
      : undefined;
  return {
    port: valid(saved.port),
    uiPort: valid(saved.uiPort),
    save: (ports) => writeFileAtomic(path, `${JSON.stringify(ports)}\n`, { mode: 0o600 }),
  };
}

/**
 * Runs `use` on the port the option names (its failure is final), else on
 * the remembered port, falling back to any free port if that one is taken.
 */
export async function withFallbackPort<T>(
  name: string,
  option: string | undefined,
  remembered: number | undefined,
  use: (port: number) => Promise<T>,
): Promise<T> {
  if (option !== undefined) return use(portOption(name, option));
  if (remembered === undefined) return use(0);
  try {
    return await use(remembered);
  } catch (err: unknown) {
    if (!hasCode(err, "ERR_ADDRESS_IN_USE")) throw err;
    return use(0);
  }
}
