import { ConfigError, type NodeStatus } from "../../index.js";
import { runningNode } from "../context.js";
import { fail } from "../output.js";
import { formatStatus } from "../status-text.js";

/** Runs `walkie status`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(options: { json?: boolean }): Promise<void> {
  const json = options.json === true;
  try {
    const client = await runningNode();
    if (client === undefined) {
      if (json) process.stdout.write(`${JSON.stringify({ running: false })}\n`);
      throw new ConfigError("ERR_NOT_RUNNING", "no node is running (start one with: walkie up)");
    }
    const status = await client.get<NodeStatus>("/api/status");
    const control = { control: client.info.control, ui: client.info.ui === true };
    process.stdout.write(
      json
        ? `${JSON.stringify({ running: true, ...control, ...status })}\n`
        : formatStatus(status, control.control),
    );
  } catch (err: unknown) {
    fail(err, json);
  }
}
