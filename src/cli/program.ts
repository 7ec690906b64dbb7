/**
 * The `walkie` command: a thin face over the library. One file per command
 * (commands/), each loaded only when it runs; what they accept is declared
 * up front in commands.ts.
 */
import { Command, CommanderError } from "commander";
import { declareCommands } from "./commands.js";

const program = new Command()
  .name("walkie")
  .description("Direct, encrypted links between two devices: no server, no cloud.")
  .version("0.1.0")
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

declareCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err: unknown) {
  if (err instanceof CommanderError && err.exitCode === 0) {
    process.exitCode = 0; // help or version
  } else {
    // output.js loads the library (for its error types): only on the way out.
    const { EXIT_USAGE, fail } = await import("./output.js");
    // Commander already printed its usage errors.
    if (err instanceof CommanderError) process.exitCode = EXIT_USAGE;
    else fail(err, process.argv.includes("--json"));
  }
}
