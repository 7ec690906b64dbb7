/** The `walkie` command: a thin face over the library. One file per command. */
import { Command, CommanderError } from "commander";
import { registerChat } from "./commands/chat.js";
import { registerForward } from "./commands/forward.js";
import { registerId } from "./commands/id.js";
import { registerPair } from "./commands/pair.js";
import { registerPeers } from "./commands/peers.js";
import { registerPipe } from "./commands/pipe.js";
import { registerReceive } from "./commands/receive.js";
import { registerSend } from "./commands/send.js";
import { registerStatus } from "./commands/status.js";
import { registerUnpair } from "./commands/unpair.js";
import { registerUp } from "./commands/up.js";
import { EXIT_USAGE, fail } from "./output.js";

const program = new Command()
  .name("walkie")
  .description("Direct, encrypted links between two devices: no server, no cloud.")
  .version("0.1.0")
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

registerUp(program);
registerStatus(program);
registerId(program);
registerPair(program);
registerPeers(program);
registerUnpair(program);
registerPipe(program);
registerForward(program);
registerChat(program);
registerSend(program);
registerReceive(program);

try {
  await program.parseAsync(process.argv);
} catch (err: unknown) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage errors were already printed by commander.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    fail(err, process.argv.includes("--json"));
  }
}
