/**
 * The running node's settings in `<home>/config.json` (mode 0600): the inbox
 * folder, the peers whose files are accepted without asking, and the
 * targets that paired peers may reach through forwards. Missing file
 * or fields: the defaults. A file that does not parse is an error, never
 * silently replaced.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../errors.js";
import { writeFileAtomic } from "../../util/atomic-write.js";

export interface NodeConfig {
  /** Where received files go. @default ~/Downloads/Walkie */
  inbox: string;
  /** Device IDs whose offers are accepted without asking. @default none */
  autoAccept: string[];
  /** `host:port[/tcp|/udp]` targets that paired peers may forward to. @default none */
  allowForward: string[];
}

export const CONFIG_FILE = "config.json";

export function defaultInbox(): string {
  return join(homedir(), "Downloads", "Walkie");
}

export class NodeConfigStore {
  private current: NodeConfig | undefined;

  constructor(readonly home: string) {}

  get path(): string {
    return join(this.home, CONFIG_FILE);
  }

  /** @throws ConfigError ERR_CONFIG */
  async load(): Promise<NodeConfig> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new ConfigError("ERR_CONFIG", `cannot read ${this.path}`, { cause: err });
      }
      this.current = { inbox: defaultInbox(), autoAccept: [], allowForward: [] };
      return this.current;
    }
    let raw: Partial<NodeConfig>;
    try {
      raw = JSON.parse(text) as Partial<NodeConfig>;
    } catch (err: unknown) {
      throw new ConfigError("ERR_CONFIG", `${this.path} is not valid JSON; fix or move it`, {
        cause: err,
      });
    }
    const autoAccept = Array.isArray(raw.autoAccept)
      ? raw.autoAccept.filter((id): id is string => typeof id === "string")
      : [];
    const allowForward = Array.isArray(raw.allowForward)
      ? raw.allowForward.filter((target): target is string => typeof target === "string")
      : [];
    const inbox = typeof raw.inbox === "string" && raw.inbox !== "" ? raw.inbox : defaultInbox();
    this.current = { inbox, autoAccept, allowForward };
    return this.current;
  }

  /** The settings as last loaded or saved. */
  get value(): NodeConfig {
    return this.current ?? { inbox: defaultInbox(), autoAccept: [], allowForward: [] };
  }

  /** Accept (or stop accepting) files from `peerId` without asking; saved at once. */
  async setAutoAccept(peerId: string, on: boolean): Promise<void> {
    const config = await this.load();
    const others = config.autoAccept.filter((id) => id !== peerId);
    const next = { ...config, autoAccept: on ? [...others, peerId] : others };
    await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    this.current = next;
  }
}
