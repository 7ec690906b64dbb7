import { resolvePeer } from "../../index.js";
import { openNode, runningNode } from "../context.js";
import { fail } from "../output.js";

/** Runs `walkie unpair`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(text: string, options: { json?: boolean }): Promise<void> {
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
}
