#!/usr/bin/env node
/**
 * Entry point of the `walkie` command. `walkie pair CODE` needs about 90 ms
 * of scrypt before its first message: it starts here, on another thread,
 * while the program (program.ts and the command's module) loads. Other
 * commands skip early-pairing.js: it brings the curve code with it.
 */
const [command, code] = process.argv.slice(2);
if (command === "pair" && code !== undefined && !code.startsWith("-")) {
  const { startPairingEarly } = await import("../node/early-pairing.js");
  startPairingEarly(code);
}
await import("./program.js");
