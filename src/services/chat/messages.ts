/**
 * The chat wire messages (docs/PROTOCOL.md, "chat") and the rules for a
 * message's text: pure. MSG goes from the stream's opener, ACK comes back.
 */
import { WalkieError, WireError } from "../../errors.js";
import { TOKEN_PATTERN } from "../../wire/index.js";
import { decodeCborStrict, encodeCbor } from "../strict-cbor.js";

export enum ChatMessageType {
  Msg = 0,
  Ack = 1,
}

/** Largest text of one message, in UTF-8 bytes. */
export const MAX_CHAT_TEXT = 8 * 1024;
/** Largest wire message (a MSG with the largest text fits with room to spare). */
export const MAX_CHAT_MESSAGE = 16 * 1024;

export type ChatWireMessage =
  | { type: ChatMessageType.Msg; id: string; at: number; text: string }
  | { type: ChatMessageType.Ack; id: string };

export function encodeChatMessage(message: ChatWireMessage): Uint8Array {
  return message.type === ChatMessageType.Msg
    ? encodeCbor([message.type, message.id, message.at, message.text])
    : encodeCbor([message.type, message.id]);
}

/** @throws WireError ERR_CHAT_INVALID (malformed, or text over the limit: ERR_CHAT_TOO_LARGE) */
export function decodeChatMessage(body: Uint8Array): ChatWireMessage {
  const value = decodeCborStrict(body, "ERR_CHAT_INVALID");
  if (!Array.isArray(value)) throw invalid("not an array");
  const [type, id] = value as unknown[];
  if (typeof id !== "string" || !TOKEN_PATTERN.test(id)) throw invalid("bad message id");
  if (type === ChatMessageType.Ack && value.length === 2) return { type, id };
  if (type === ChatMessageType.Msg && value.length === 4) {
    const at = value[2];
    const text = value[3];
    if (typeof at !== "number" || !Number.isSafeInteger(at) || at < 0) throw invalid("bad time");
    if (typeof text !== "string") throw invalid("text is not a string");
    checkText(text, WireError);
    return { type, id, at, text };
  }
  throw invalid(`unknown message type ${String(type)} with ${value.length} fields`);
}

/**
 * Checks a text to send or that came in: not empty, valid Unicode (no lone
 * surrogates, which have no UTF-8 form), at most MAX_CHAT_TEXT bytes.
 * @throws ERR_CHAT_EMPTY, ERR_CHAT_INVALID_TEXT, ERR_CHAT_TOO_LARGE
 */
export function checkText(
  text: string,
  Kind: new (code: string, message: string) => WalkieError = WalkieError,
): void {
  if (text.length === 0) throw new Kind("ERR_CHAT_EMPTY", "an empty message");
  if (LONE_SURROGATE.test(text)) {
    throw new Kind("ERR_CHAT_INVALID_TEXT", "the message is not valid Unicode text");
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_CHAT_TEXT) {
    throw new Kind(
      "ERR_CHAT_TOO_LARGE",
      `a message of ${bytes} bytes is over the limit of ${MAX_CHAT_TEXT}`,
    );
  }
}

/** A UTF-16 surrogate without its pair: a string that has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalid(reason: string): WireError {
  return new WireError("ERR_CHAT_INVALID", `invalid chat message: ${reason}`);
}
