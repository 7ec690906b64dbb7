/**
 * One-time codes such as `7-amber-rocket` (magic-wormhole's format): a
 * nameplate that lets the joining side find the waiting side on the LAN, then
 * words from {@link WORDLIST}. The nameplate is public (it travels in mDNS);
 * only the words are secret. The whole normalised code is the SPAKE2
 * password, so a mistyped code fails the handshake; parseCode catches most
 * typos first, because no single-letter slip turns one list word into another.
 *
 * This module only makes and reads codes; it knows nothing of discovery or
 * the handshake.
 */
import { randomInt } from "node:crypto";
import { ConfigError } from "../errors.js";
import { WORDLIST } from "./wordlist.js";

/** How many secret words a code carries. */
export const CODE_WORD_COUNT = 2;
/** Nameplates run from 1 to this, inclusive. */
export const MAX_NAMEPLATE = 999;
/** Longer input is refused before any splitting; a real code is under 30 characters. */
const MAX_CODE_LENGTH = 100;

const WORDS = new Set(WORDLIST);

/** A code taken apart by {@link parseCode}. */
export interface ParsedCode {
  /** The public nameplate, 1..999. */
  nameplate: number;
  /** The secret words, lower case, in order. */
  words: string[];
  /** The canonical text, e.g. `7-amber-rocket`: the same for every way of typing the code. */
  normalized: string;
}

/** A fresh code: a random nameplate and {@link CODE_WORD_COUNT} random words (CSPRNG). */
export function generateCode(): string {
  const parts: (number | string)[] = [randomInt(1, MAX_NAMEPLATE + 1)];
  for (let i = 0; i < CODE_WORD_COUNT; i++) parts.push(WORDLIST[randomInt(WORDLIST.length)]!);
  return parts.join("-");
}

/**
 * Reads a code typed by a person. Forgives case, extra spaces and spaces (or
 * any dashes) between the parts; anything else throws `ConfigError`
 * `ERR_BAD_CODE`. Error messages never repeat the words, which are secret.
 */
export function parseCode(text: string): ParsedCode {
  if (text.length > MAX_CODE_LENGTH) throw badCode("it is too long");
  const parts = text
    .trim()
    .toLowerCase()
    .split(/[\s\p{Pd}]+/u);
  const [first = "", ...words] = parts;
  if (!/^\d{1,3}$/.test(first)) throw badCode("it must start with a number");
  const nameplate = Number(first);
  if (nameplate < 1 || nameplate > MAX_NAMEPLATE) {
    throw badCode(`the number must be 1 to ${MAX_NAMEPLATE}`);
  }
  if (words.length !== CODE_WORD_COUNT) {
    throw badCode(`it needs a number and ${CODE_WORD_COUNT} words`);
  }
  words.forEach((word, i) => {
    if (!WORDS.has(word)) throw badCode(`word ${i + 1} is not in the word list`);
  });
  return { nameplate, words, normalized: [nameplate, ...words].join("-") };
}

/** Bits of secret in a code: the words only, as the nameplate is public. */
export function codeEntropyBits(): number {
  return CODE_WORD_COUNT * Math.log2(WORDLIST.length);
}

function badCode(reason: string): ConfigError {
  return new ConfigError("ERR_BAD_CODE", `not a valid code: ${reason} (like 7-amber-rocket)`);
}
