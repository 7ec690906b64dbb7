/**
 * What every command needs around its node: the node itself (state in
 * WALKIE_HOME or the platform folder; `WALKIE_DISCOVERY=off` turns mDNS off),
 * device IDs from what a person typed, and a clean exit on Ctrl-C.
 */
import {
  ConfigError,
  type ControlClient,
  connectToRunningNode,
  createNode,
  defaultStateDir,
  hasCode,
  parseDeviceId,
  resolvePeer,
  type WalkieNode,
} from "../index.js";
import { exitedBySignal } from "./output.js";

/** Opens this device's node; `name` renames it (saved). */
export function openNode(options: { name?: string } = {}): Promise<WalkieNode> {
  const off = ["off", "0", "false", "no"].includes(process.env.WALKIE_DISCOVERY ?? "");
  return createNode({ name: options.name, discovery: !off });
}

/**
 * The node that `walkie up` runs with this home, reached through its control
 * API; undefined when none runs (commands then work on their own).
 */
export function runningNode(): Promise<ControlClient | undefined> {
  return connectToRunningNode(defaultStateDir());
}

/**
 * A device ID from `text`: a whole device ID (paired or not, so pinning an
 * unpaired device still works), else a paired peer's name, ID or prefix.
 */
export async function peerIdFor(node: WalkieNode, text: string): Promise<string> {
  try {
    return parseDeviceId(text);
  } catch (err: unknown) {
    if (!hasCode(err, "ERR_BAD_DEVICE_ID")) throw err;
    const peers = await node.peers.list();
    // Something shaped like a whole ID but with a wrong check character: say so.
    if (/^[A-Za-z2-7]{9}(-?[A-Za-z2-7]{9}){3}$/.test(text.trim())) throw err;
    return resolvePeer(peers, text).id;
  }
}

/** A TCP port from an option value. @throws ConfigError ERR_USAGE */
export function portOption(name: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError("ERR_USAGE", `${name} ${value} is not a port number`);
  }
  return port;
}

/**
 * On SIGINT or SIGTERM, runs `cleanup` once (closing listeners says goodbye
 * on mDNS), then exits with 128 + the signal number. A second signal exits at once.
 */
export function onInterrupt(cleanup: () => Promise<unknown>): void {
  let cleaning = false;
  const handler = (signal: NodeJS.Signals): void => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (cleaning) process.exit(code);
    cleaning = true;
    exitedBySignal(code); // a failure the cleanup sets off still exits with 130/143
    const timer = setTimeout(() => process.exit(code), 3_000);
    cleanup()
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        process.exit(code);
      });
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
}
