/**
 * Starting a pairing early, for a CLI that knows the code before it has
 * loaded: the code's scrypt (about 90 ms) then runs on another thread while
 * the rest loads, and `pairJoin` takes the result. This module is kept light
 * (no discovery, no link setup) so importing it costs little.
 */
import { parseCode } from "../crypto/one-time-code.js";
import { prederivePairingScalar } from "../link/pake-exchange.js";

/** Starts deriving `code`'s password scalar, if it parses; otherwise does nothing. */
export function startPairingEarly(code: string): void {
  let normalized: string;
  try {
    normalized = parseCode(code).normalized;
  } catch {
    return; // the command reports a bad code properly later
  }
  // No curve warm-up here: it would compete with module loading; pairJoin
  // runs it once loading is done, while the end of scrypt is awaited.
  prederivePairingScalar(normalized);
}
