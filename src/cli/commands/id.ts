import { defaultStateDir, loadOrCreateIdentity, renameIdentity } from "../../index.js";

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
