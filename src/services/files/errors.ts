/**
 * Errors of the files service. A peer that breaks the protocol gets a
 * `WireError` (and the link closes); local trouble (no space, a declined
 * offer, a stalled link, an unreadable source) is a `TransferError`.
 */
import { WalkieError } from "../../errors.js";
import { TOKEN_PATTERN } from "../../wire/index.js";

/** An operational failure of a transfer: declined, no space, stalled, a source that changed. */
export class TransferError extends WalkieError {}

/** `code` if it can travel in a stream RESET, else ERR_TRANSFER_FAILED. */
export function resetCode(code: string): string {
  return TOKEN_PATTERN.test(code) ? code : "ERR_TRANSFER_FAILED";
}
