/** Errors of the rpc service: the ones handlers throw and the ones callers get back. */
import { WalkieError } from "../../errors.js";
import type { CborValue } from "../strict-cbor.js";

/**
 * Thrown by a request handler to answer with an error the caller can act on:
 * `code` (an ASCII token such as `ERR_SENSOR_OFFLINE`), `message` and optional
 * `details` reach the caller as an `RpcRemoteError`. Any other WalkieError a
 * handler throws goes back the same way (without details); any other error
 * goes back as `ERR_HANDLER_FAILED`, its message kept local.
 */
export class RpcError extends WalkieError {
  readonly details: CborValue | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; details?: CborValue }) {
    super(code, message, options);
    this.details = options?.details;
  }
}

/**
 * The peer answered a request with an error. `code` is the peer's code: one
 * of the rpc service's own (`ERR_UNKNOWN_SERVICE`, `ERR_HANDLER_FAILED`,
 * `ERR_BUSY`) or whatever code its handler chose.
 */
export class RpcRemoteError extends WalkieError {
  /** The service that was called. */
  readonly service: string;
  /** Structured details the handler attached, if any. */
  readonly details: CborValue | undefined;

  constructor(service: string, code: string, message: string, details?: CborValue) {
    super(code, message);
    this.service = service;
    this.details = details;
  }
}
