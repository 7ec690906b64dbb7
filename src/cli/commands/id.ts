import type { Command } from "commander";
import { defaultStateDir, loadOrCreateIdentity, renameIdentity } from "../../index.js";

export function registerId(program: Command): void {
  program
    .command("id")
    .description("show this device's ID and name (creates the identity on first use)")
    .option("--json", "print {id, name, publicKey} as JSON")
    .option("--set-name <name>", "change the device name shown to peers")
    .action(async (options: { json?: boolean; setName?: string }) => {
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
    });
}
