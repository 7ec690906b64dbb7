import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../errors.js";
import {
  CODE_WORD_COUNT,
  codeEntropyBits,
  generateCode,
  MAX_NAMEPLATE,
  parseCode,
} from "./one-time-code.js";
import { WORDLIST } from "./wordlist.js";

const isBadCode = (err: unknown) => err instanceof ConfigError && err.code === "ERR_BAD_CODE";

test("parseCode(generateCode()) round-trips", () => {
  for (let i = 0; i < 500; i++) {
    const code = generateCode();
    assert.match(code, /^[1-9]\d{0,2}(-[a-z]{3,8}){2}$/);
    const parsed = parseCode(code);
    assert.equal(parsed.normalized, code);
    assert.ok(parsed.nameplate >= 1 && parsed.nameplate <= MAX_NAMEPLATE);
    assert.equal(parsed.words.length, CODE_WORD_COUNT);
  }
});

test("any nameplate and any list words parse back to themselves", () => {
  const word = fc.constantFrom(...WORDLIST);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_NAMEPLATE }), word, word, (n, a, b) => {
      const parsed = parseCode(`${n}-${a}-${b}`);
      assert.deepEqual(parsed, { nameplate: n, words: [a, b], normalized: `${n}-${a}-${b}` });
    }),
  );
});

test("parseCode forgives case, extra spaces and spaces or dashes between parts", () => {
  for (const typed of [
    "7-amber-rocket",
    "  7-amber-rocket\n",
    "7 amber rocket",
    "7 AMBER Rocket",
    "7 - amber - rocket",
    "7\tamber   rocket",
    "7--amber--rocket",
    "7\u2013amber\u2013rocket", // en dash from a chat app
    "007-amber-rocket",
  ]) {
    assert.equal(parseCode(typed).normalized, "7-amber-rocket", JSON.stringify(typed));
  }
});

test("parseCode rejects malformed codes with ERR_BAD_CODE", () => {
  for (const typed of [
    "",
    "   ",
    "7",
    "7-amber",
    "amber-rocket",
    "amber-rocket-7",
    "7-amber-rocket-comet",
    "0-amber-rocket",
    "1000-amber-rocket",
    "-7-amber-rocket",
    "+7-amber-rocket",
    "7.5-amber-rocket",
    "7,amber,rocket",
    "7_amber_rocket",
    "7-amber-rockets",
    "7-amber-rockt",
    "7-ambér-rocket",
    "7-amber-rocket!",
    `7-amber-${"rocket".repeat(20)}`,
  ]) {
    assert.throws(() => parseCode(typed), isBadCode, JSON.stringify(typed));
  }
});

test("errors never repeat the secret words", () => {
  try {
    parseCode("3-tulip-lantrn");
    assert.fail("expected ERR_BAD_CODE");
  } catch (err: unknown) {
    assert.ok(isBadCode(err));
    assert.doesNotMatch((err as Error).message, /tulip|lantrn/);
  }
});

test("codes carry at least 16 bits of secret (20.8 with this list)", () => {
  assert.equal(codeEntropyBits(), CODE_WORD_COUNT * Math.log2(WORDLIST.length));
  assert.ok(codeEntropyBits() >= 20, String(codeEntropyBits()));
});

test("the word list is sorted, distinct and 3 to 8 letters a-z", () => {
  assert.ok(WORDLIST.length >= 1024, String(WORDLIST.length));
  assert.equal(new Set(WORDLIST).size, WORDLIST.length);
  assert.deepEqual([...WORDLIST].sort(), WORDLIST);
  for (const word of WORDLIST) assert.match(word, /^[a-z]{3,8}$/);
});

test("four letters name one word, and no word starts another", () => {
  const byPrefix = new Map<string, string>();
  for (const word of WORDLIST) {
    const prefix = word.slice(0, 4);
    assert.equal(byPrefix.get(prefix), undefined, `${word} shares "${prefix}"`);
    byPrefix.set(prefix, word);
  }
  // Sorted, so a word that starts another is directly followed by one such word.
  for (let i = 1; i < WORDLIST.length; i++) {
    assert.ok(!WORDLIST[i]!.startsWith(WORDLIST[i - 1]!), `${WORDLIST[i - 1]} / ${WORDLIST[i]}`);
  }
});

test("no single typo turns one word into another (edit distance at least 2)", () => {
  for (let i = 0; i < WORDLIST.length; i++) {
    for (let j = i + 1; j < WORDLIST.length; j++) {
      const [a, b] = [WORDLIST[i]!, WORDLIST[j]!];
      assert.ok(!withinOneEdit(a, b), `${a} / ${b}`);
    }
  }
});

test("no two words sound alike", () => {
  const byKey = new Map<string, string>();
  for (const word of WORDLIST) {
    const key = soundKey(word);
    assert.equal(byKey.get(key), undefined, `${word} sounds like ${byKey.get(key)} (${key})`);
    byKey.set(key, word);
  }
  // The key catches the classic homophones (and keeps working if the list changes).
  for (const [a, b] of [
    ["tail", "tale"],
    ["pair", "pear"],
    ["flour", "flower"],
    ["night", "knight"],
    ["road", "rode"],
    ["sun", "son"],
    ["berry", "bury"],
    ["steak", "stake"],
    ["pine", "bean"],
  ]) {
    assert.equal(soundKey(a!), soundKey(b!), `${a} / ${b}`);
  }
});

test("no number words that could be confused with the nameplate", () => {
  const numbers = "one two three four five six seven eight nine ten eleven twelve zero".split(" ");
  for (const word of numbers) assert.ok(!WORDLIST.includes(word), word);
});

/** True when a and b differ by at most one insertion, deletion or substitution. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * A word's consonant frame as heard: silent and alternative spellings folded
 * (kn, ph, ck, soft c, silent final e, doubled letters), each vowel run one
 * "V", and consonants that are easily misheard merged (b/p, d/t, g/k, f/v,
 * s/z, m/n).
 */
function soundKey(word: string): string {
  let s = word.replace(/^kn|^gn/, "n").replace(/^wr/, "r");
  s = s.replace(/ph/g, "f").replace(/gh/g, "").replace(/ck/g, "k").replace(/qu/g, "kw");
  s = s
    .replace(/x/g, "ks")
    .replace(/c(?=[eiy])/g, "s")
    .replace(/c(?!h)/g, "k");
  s = s.replace(/dg/g, "j").replace(/tch/g, "ch");
  if (s.length > 3 && /[^aeiouy]e$/.test(s)) s = s.slice(0, -1);
  s = s.replace(/(.)\1+/g, "$1");
  s = s[0] + s.slice(1).replace(/[aeiouy]+(?:[wh][aeiouy]*)*/g, "V");
  s = s.replace(/[wh]$/, "").replace(/^[aeiou]/, "V");
  return s
    .replace(/[bp]/g, "P")
    .replace(/[dt]/g, "T")
    .replace(/[gk]/g, "K")
    .replace(/[fv]/g, "F")
    .replace(/[sz]/g, "S")
    .replace(/[mn]/g, "N");
}
