/**
 * CBOR for service messages (rpc, chat, files, forward): deterministic
 * encoding, strict decoding. Strict means: shortest-form integers and
 * lengths, no indefinite lengths, no `undefined`, no tags, no integers beyond
 * 2^53, no duplicate or non-string map keys, text strings that are valid
 * UTF-8, nesting at most 64 deep (or the caller's `maxDepth`), optionally
 * arrays and maps no longer than a cap, and nothing after the value.
 * Anything else is refused with a WireError carrying the caller's code.
 */
import { isUtf8 } from "node:buffer";
import { decode, encode, Tokenizer, Type } from "cborg";
import { WireError } from "../errors.js";

/** A value that travels as CBOR: what `JSON` has, plus byte strings. */
export type CborValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | readonly CborValue[]
  | { readonly [key: string]: CborValue };

/** Deepest nesting of arrays and maps accepted. */
export const MAX_CBOR_DEPTH = 64;

/**
 * Encodes `value` deterministically; object properties that are `undefined`
 * are left out. @throws TypeError for what has no CBOR form here (functions,
 * symbols, dates, `undefined` in an array or at the top)
 */
export function encodeCbor(value: unknown): Uint8Array {
  return encode(value, ENCODE_OPTIONS);
}

const ENCODE_OPTIONS = {
  ignoreUndefinedProperties: true,
  typeEncoders: {
    undefined: () => {
      throw new TypeError("undefined has no place in a message (use null)");
    },
  },
};

/** Tighter limits for one kind of message. */
export interface StrictCborLimits {
  /**
   * Most items an array (or entries a map) may announce. Checked at the
   * container's header, before any item is read, so a claim of a million
   * entries costs nothing to refuse.
   * @default no cap
   */
  maxItems?: number;
  /**
   * Code of the error for a container over `maxItems`.
   * @default the decode's `code`
   */
  limitCode?: string;
  /**
   * Deepest nesting of arrays and maps accepted.
   * @default MAX_CBOR_DEPTH
   */
  maxDepth?: number;
}

/**
 * Decodes one strict CBOR value filling all of `bytes`.
 * @throws WireError `limits.limitCode` for a container over `limits.maxItems`, else `code`
 */
export function decodeCborStrict(
  bytes: Uint8Array,
  code: string,
  limits: StrictCborLimits = {},
): unknown {
  const tokenizer = new StrictTokenizer(bytes, limits);
  try {
    return decode(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowBigInt: false,
      useMaps: false,
      rejectDuplicateMapKeys: true,
      tags: [],
      tokenizer,
    });
  } catch (err: unknown) {
    if (tokenizer.overLimit !== undefined) {
      throw new WireError(limits.limitCode ?? code, tokenizer.overLimit, { cause: err });
    }
    const reason = err instanceof Error ? err.message.replace(/^CBOR decode error: /, "") : "";
    throw new WireError(code, `malformed CBOR: ${reason || "unreadable"}`, { cause: err });
  }
}

/** cborg's tokenizer, plus the checks it does not make: UTF-8, depth and length. */
class StrictTokenizer extends Tokenizer {
  /** Why a container was refused for its length, once one was. */
  overLimit: string | undefined;
  /** Items still expected at each open array or map, innermost last. */
  private readonly open: number[] = [];
  private readonly maxItems: number;
  private readonly maxDepth: number;

  constructor(
    private readonly bytes: Uint8Array,
    limits: StrictCborLimits,
  ) {
    super(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowBigInt: false,
    });
    this.maxItems = limits.maxItems ?? Number.POSITIVE_INFINITY;
    this.maxDepth = limits.maxDepth ?? MAX_CBOR_DEPTH;
  }

  override next() {
    const open = this.open;
    // Containers whose items have all been read are closed before this token.
    while (open.length > 0 && open[open.length - 1] === 0) open.pop();
    if (open.length > 0) open[open.length - 1]! -= 1;
    const start = this.pos();
    const token = super.next();
    if (token.type === Type.string) {
      const initial = this.bytes[start]! & 31;
      const header = initial < 24 ? 1 : 1 + 2 ** (initial - 24);
      if (!isUtf8(this.bytes.subarray(start + header, this.pos()))) {
        throw new Error("text string is not valid UTF-8");
      }
    } else if (token.type === Type.array || token.type === Type.map) {
      const count = token.value as number;
      if (count > this.maxItems) {
        this.overLimit = `a list of ${count} items is over the limit of ${this.maxItems}`;
        throw new Error(this.overLimit);
      }
      const items = count * (token.type === Type.map ? 2 : 1);
      if (items > 0) {
        if (open.length >= this.maxDepth) throw new Error(`nested deeper than ${this.maxDepth}`);
        open.push(items);
      }
    }
    return token;
  }
}
