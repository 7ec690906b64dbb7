import { type Transfer, WalkieError } from "../../index.js";

/** Codes after which running the same command again does not help. */
const FINAL = new Set([
  "ERR_DECLINED",
  "ERR_NO_SPACE",
  "ERR_UNSAFE_PATH",
  "ERR_USAGE",
  "ERR_CANCELLED",
]);

/** `err`, told to resume when the transfer had started and trying again continues it. */
export function resumeHint(err: unknown, transfer: Transfer | undefined): unknown {
  if (transfer === undefined || transfer.doneBytes === 0 || !(err instanceof WalkieError))
    return err;
  const cause =
    err.code === "ERR_LINK_CLOSED" && err.cause instanceof WalkieError ? err.cause : err;
  if (FINAL.has(cause.code)) return err;
  return new WalkieError(cause.code, `${cause.message}; run the same command again to resume`, {
    cause: err,
  });
}
