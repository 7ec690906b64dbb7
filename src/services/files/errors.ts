/**
 * Errors of the files service. A peer that breaks the protocol gets a
 * `WireError` (and the link closes); local trouble (no space, a declined
 * offer, a stalled link, an unreadable source) is a `TransferError`.
 */
import { WalkieError } from "../../errors.js";
import { StreamResetError } from "../../link/index.js";
import { TOKEN_PATTERN } from "../../wire/index.js";

/** An operational failure of a transfer: declined, no space, stalled, a source that changed. */
export class TransferError extends WalkieError {}

/** `code` if it can travel in a stream RESET, else ERR_TRANSFER_FAILED. */
export function resetCode(code: string): string {
  return TOKEN_PATTERN.test(code) ? code : "ERR_TRANSFER_FAILED";
}

/**
 * A data stream the other side reset carries its reason (ERR_DISK_FULL,
 * ERR_CANCELLED) as the code; it may come before that side's control record
 * saying the same, so it reads as the same failure. Other errors pass.
 */
export function peerStopped(err: unknown, peerName: string): unknown {
  if (!(err instanceof StreamResetError)) return err;
  return new TransferError(err.remoteCode, `${peerName} stopped the transfer (${err.remoteCode})`, {
    cause: err,
  });
}
