import type { Command } from "commander";
import { resolvePeer } from "../../index.js";
import { openNode, runningNode } from "../context.js";
import { fail } from "../output.js";

export function registerUnpair(program: Command): void {
  program
    .command("unpair")
    .argument("<peer>", "name, device ID or a unique prefix of either")
    .description("forget a paired peer: its links are refused from now on")
    .option("--json", "print {id, name} of the forgotten peer as JSON on stdout")
    .action(async (text: string, options: { json?: boolean }) => {
      try {
        const node = await openNode();
        const peer = resolvePeer(await node.peers.list(), text);
        const control = await runningNode();
        // A running node forgets it and closes its links at once.
        if (control) await control.delete(`/api/peers/${encodeURIComponent(peer.id)}`);
        else await node.peers.remove(peer.id);
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ id: peer.id, name: peer.name })}\n`
            : `Forgot ${peer.name} (${peer.id}). Pair again to link with it.\n`,
        );
      } catch (err: unknown) {
        fail(err, options.json === true);
      }
      process.exit();
    });
}
