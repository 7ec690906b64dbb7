// From node/ rather than the library's index: bundled, `walkie id` then loads
// its few modules (~10 ms) instead of the whole library (~45 ms).
import { loadOrCreateIdentity, renameIdentity } from "../../node/identity.js";
import { defaultStateDir } from "../../node/state-dir.js";

/** Runs `walkie id`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(options: { json?: boolean; setName?: string }): Promise<void> {
  const home = defaultStateDir();
  const identity =
    options.setName !== undefined
      ? await renameIdentity(home, options.setName)
      : await loadOrCreateIdentity(home);
  if (options.json) {
    const publicKey = identity.keyPair.publicKey.toString("base64");
    process.stdout.write(
      `${JSON.stringify({ id: identity.id, name: identity.name, publicKey })}\n`,
    );
  } else {
    process.stdout.write(`${identity.name}\n${identity.id}\n`);
  }
}
