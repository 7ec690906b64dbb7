import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where a device keeps its identity and peers: `WALKIE_HOME` if set, else the
 * platform's per-user config folder (XDG on Linux, Application Support on
 * macOS, AppData on Windows).
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WALKIE_HOME) return env.WALKIE_HOME;
  if (process.platform === "win32") {
    return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "walkie");
  }
  if (process.platform === "darwin") {
    return join(homedir(), "Library", "Application Support", "walkie");
  }
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "walkie");
}
