#!/usr/bin/env node
/**
 * Entry point of the `walkie` command. `walkie pair CODE` needs about 90 ms
 * of scrypt before its first message: it starts here, on another thread,
 * while the program (program.ts, about 80 ms of module loading) loads.
 */
import { startPairingEarly } from "../node/early-pairing.js";

const [command, code] = process.argv.slice(2);
if (command === "pair" && code !== undefined && !code.startsWith("-")) startPairingEarly(code);
await import("./program.js");
