/**
 * CBOR for service messages (rpc, chat): deterministic encoding, strict
 * decoding. Strict means: shortest-form integers and lengths, no indefinite
 * lengths, no `undefined`, no tags, no integers beyond 2^53, no duplicate or
 * non-string map keys, text strings that are valid UTF-8, nesting at most
 * 64 deep, and nothing after the value. Anything else is refused with a
 * WireError carrying the caller's code.
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

/** Decodes one strict CBOR value filling all of `bytes`. @throws WireError `code` */
export function decodeCborStrict(bytes: Uint8Array, code: string): unknown {
  try {
    return decode(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowBigInt: false,
      useMaps: false,
      rejectDuplicateMapKeys: true,
      tags: [],
      tokenizer: new StrictTokenizer(bytes),
    });
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message.replace(/^CBOR decode error: /, "") : "";
    throw new WireError(code, `malformed CBOR: ${reason || "unreadable"}`, { cause: err });
  }
}

/** cborg's tokenizer, plus the checks it does not make: UTF-8 and depth. */
class StrictTokenizer extends Tokenizer {
  /** Items still expected at each open array or map, innermost last. */
  private readonly open: number[] = [];

  constructor(private readonly bytes: Uint8Array) {
    super(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowBigInt: false,
    });
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
      const items = (token.value as number) * (token.type === Type.map ? 2 : 1);
      if (items > 0) {
        if (open.length >= MAX_CBOR_DEPTH) throw new Error(`nested deeper than ${MAX_CBOR_DEPTH}`);
        open.push(items);
      }
    }
    return token;
  }
}
