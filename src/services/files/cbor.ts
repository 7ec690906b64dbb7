/**
 * Strict CBOR for the files service's control records: shortest forms, no
 * indefinite lengths, no undefined, no tags, no big integers, no duplicate
 * or non-string map keys, valid UTF-8, and arrays no longer than a cap,
 * checked at the array's header (before any of its items is allocated), so
 * a manifest claiming a million entries costs nothing to refuse.
 */
import { isUtf8 } from "node:buffer";
import { decode, encode, Tokenizer, Type } from "cborg";
import { WireError } from "../../errors.js";

/** Deepest nesting accepted (a manifest needs 3). */
const MAX_DEPTH = 8;

export function encodeCbor(value: unknown): Uint8Array {
  return encode(value, { ignoreUndefinedProperties: true });
}

/**
 * Decodes one value filling all of `bytes`. An array longer than
 * `maxArray` is `limitCode`; anything else malformed is `code`.
 * @throws WireError
 */
export function decodeCbor(
  bytes: Uint8Array,
  options: { code: string; maxArray: number; limitCode?: string },
): unknown {
  const tokenizer = new CappedTokenizer(bytes, options.maxArray);
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
      throw new WireError(options.limitCode ?? options.code, tokenizer.overLimit, { cause: err });
    }
    const reason = err instanceof Error ? err.message.replace(/^CBOR decode error: /, "") : "";
    throw new WireError(options.code, `malformed CBOR: ${reason || "unreadable"}`, { cause: err });
  }
}

class CappedTokenizer extends Tokenizer {
  overLimit: string | undefined;
  private readonly open: number[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxArray: number,
  ) {
    super(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowBigInt: false,
    });
  }

  override next() {
    const open = this.open;
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
      if (count > this.maxArray) {
        this.overLimit = `a list of ${count} items is over the limit of ${this.maxArray}`;
        throw new Error(this.overLimit);
      }
      const items = count * (token.type === Type.map ? 2 : 1);
      if (items > 0) {
        if (open.length >= MAX_DEPTH) throw new Error(`nested deeper than ${MAX_DEPTH}`);
        open.push(items);
      }
    }
    return token;
  }
}
