/**
 * Handshake patterns as data (Noise spec 7.4 and 9). A pattern is its pre-messages and its
 * message patterns; the "psk" modifiers are applied to the table entries generically.
 */
import {
  type CipherFunctions,
  DH_LEN,
  getCipher,
  getHash,
  type HashFunctions,
  TAG_LEN,
} from "./primitives.js";

/** A token of a message pattern (spec 7.1). */
export type Token = "e" | "s" | "ee" | "es" | "se" | "ss" | "psk";
/** A DH token: its first letter is the initiator's key, its second the responder's. */
export type DhToken = "ee" | "es" | "se" | "ss";

export interface HandshakePattern {
  /** The pattern's full name, modifiers included, e.g. `XXpsk3`. */
  readonly name: string;
  /** Pre-message tokens of the initiator (`->`) and of the responder (`<-`); only "s" is used. */
  readonly initiatorPreMessage: readonly "s"[];
  readonly responderPreMessage: readonly "s"[];
  /** Message patterns in order: the initiator writes the even ones, the responder the odd. */
  readonly messages: readonly (readonly Token[])[];
  /** Number of "psk" tokens, so the number of PSKs the handshake needs. */
  readonly pskCount: number;
}

type Base = Pick<HandshakePattern, "initiatorPreMessage" | "responderPreMessage" | "messages">;

/** The interactive fundamental patterns Walkie supports (spec 7.4). */
const BASE_PATTERNS: Record<string, Base> = {
  NN: {
    initiatorPreMessage: [],
    responderPreMessage: [],
    messages: [["e"], ["e", "ee"]],
  },
  NK: {
    initiatorPreMessage: [],
    responderPreMessage: ["s"],
    messages: [
      ["e", "es"],
      ["e", "ee"],
    ],
  },
  KK: {
    initiatorPreMessage: ["s"],
    responderPreMessage: ["s"],
    messages: [
      ["e", "es", "ss"],
      ["e", "ee", "se"],
    ],
  },
  XK: {
    initiatorPreMessage: [],
    responderPreMessage: ["s"],
    messages: [
      ["e", "es"],
      ["e", "ee"],
      ["s", "se"],
    ],
  },
  IK: {
    initiatorPreMessage: [],
    responderPreMessage: ["s"],
    messages: [
      ["e", "es", "s", "ss"],
      ["e", "ee", "se"],
    ],
  },
  XX: {
    initiatorPreMessage: [],
    responderPreMessage: [],
    messages: [["e"], ["e", "ee", "s", "es"], ["s", "se"]],
  },
};

/** Names of the fundamental patterns in the table. */
export const SUPPORTED_PATTERNS: readonly string[] = Object.keys(BASE_PATTERNS);

/**
 * The pattern for a name such as `XX`, `NNpsk0` or `KKpsk0+psk2` (spec 8 and 9.2), or
 * undefined when the base pattern or a modifier is unknown or out of range.
 */
export function getPattern(name: string): HandshakePattern | undefined {
  const match = /^([A-Z]+)(.*)$/.exec(name);
  if (match === null) return undefined;
  const [, baseName = "", modifierText = ""] = match;
  if (!Object.hasOwn(BASE_PATTERNS, baseName)) return undefined;
  const base = BASE_PATTERNS[baseName]!;
  const messages = base.messages.map((tokens) => [...tokens]);
  const modifiers = modifierText === "" ? [] : modifierText.split("+");
  const seen = new Set<number>();
  for (const modifier of modifiers) {
    const psk = /^psk(\d)$/.exec(modifier);
    if (psk === null) return undefined;
    const position = Number(psk[1]);
    if (position > messages.length || seen.has(position)) return undefined;
    seen.add(position);
    // psk0 goes first in the first message; pskN goes last in message N (spec 9.2).
    if (position === 0) messages[0]!.unshift("psk");
    else messages[position - 1]!.push("psk");
  }
  return {
    name,
    initiatorPreMessage: base.initiatorPreMessage,
    responderPreMessage: base.responderPreMessage,
    messages,
    pskCount: modifiers.length,
  };
}

/**
 * The parts of a protocol name such as `Noise_XXpsk3_25519_AESGCM_SHA256` (spec 8), or undefined
 * when any part is not supported here (the only DH function is 25519).
 */
export function parseProtocolName(
  name: string,
): { pattern: HandshakePattern; cipher: CipherFunctions; hash: HashFunctions } | undefined {
  const parts = /^Noise_([^_]+)_25519_([^_]+)_([^_]+)$/.exec(name);
  const pattern = parts ? getPattern(parts[1]!) : undefined;
  const cipher = parts ? getCipher(parts[2]!) : undefined;
  const hash = parts ? getHash(parts[3]!) : undefined;
  return pattern && cipher && hash ? { pattern, cipher, hash } : undefined;
}

/** For a DH token, which of this side's keys takes part and which of the peer's. */
export function dhKeys(
  token: DhToken,
  isInitiator: boolean,
): { local: "e" | "s"; remote: "e" | "s" } {
  const first = token[0] as "e" | "s";
  const second = token[1] as "e" | "s";
  return isInitiator ? { local: first, remote: second } : { local: second, remote: first };
}

/** What one side of `pattern` needs, and when it can drop its ephemeral secret. */
export function sideRequirements(pattern: HandshakePattern, isInitiator: boolean) {
  const ours = (i: number) => i % 2 === (isInitiator ? 0 : 1);
  const ourPre = isInitiator ? pattern.initiatorPreMessage : pattern.responderPreMessage;
  const theirPre = isInitiator ? pattern.responderPreMessage : pattern.initiatorPreMessage;
  const usesOurEphemeral = (token: Token) =>
    token.length === 2 && dhKeys(token as DhToken, isInitiator).local === "e";
  return {
    localStatic: ourPre.length > 0 || pattern.messages.some((t, i) => ours(i) && t.includes("s")),
    remoteStatic: theirPre.length > 0,
    /** Index of the last message with a DH on our ephemeral key. */
    lastEphemeralUse: pattern.messages.findLastIndex((tokens) => tokens.some(usesOurEphemeral)),
  };
}

/**
 * Length of a handshake message made of `tokens` with an empty payload, given whether the cipher
 * already has a key when it starts (spec 7.3: "s" and the payload carry a tag once there is one).
 */
export function messageOverhead(tokens: readonly Token[], hasKey: boolean, psk: boolean): number {
  let keyed = hasKey;
  let length = 0;
  for (const token of tokens) {
    if (token === "e") {
      length += DH_LEN;
      // In a PSK handshake "e" also calls MixKey (spec 9.2).
      keyed ||= psk;
    } else if (token === "s") {
      length += DH_LEN + (keyed ? TAG_LEN : 0);
    } else {
      keyed = true;
    }
  }
  return length + (keyed ? TAG_LEN : 0);
}
