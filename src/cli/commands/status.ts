import type { Command } from "commander";
import { ConfigError, type NodeStatus } from "../../index.js";
import { runningNode } from "../context.js";
import { fail } from "../output.js";
import { formatStatus } from "../status-text.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("the running node: links with bytes, rates, RTT, streams; peers; transfers")
    .option("--json", "print the status as JSON on stdout")
    .action(async (options: { json?: boolean }) => {
      const json = options.json === true;
      try {
        const client = await runningNode();
        if (client === undefined) {
          if (json) process.stdout.write(`${JSON.stringify({ running: false })}\n`);
          throw new ConfigError(
            "ERR_NOT_RUNNING",
            "no node is running (start one with: walkie up)",
          );
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
    });
}
