/**
 * Typed errors with stable string codes. Every code is listed in
 * docs/PROTOCOL.md ("Error codes"); tests assert `err.code`, never the message.
 *
 * Three kinds of failure exist (STYLE.md): a bug (assert), a misbehaving peer
 * (a typed error here, and the link closes), an operational failure (a typed
 * error to the caller; the CLI prints one line).
 */

/** Base class of every error Walkie throws on purpose. */
export class WalkieError extends Error {
  /** Stable machine-readable code, e.g. `ERR_FRAME_TOO_LARGE`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The peer sent bytes that break the wire format (frames, records, limits). */
export class WireError extends WalkieError {}

/** The secure handshake failed or timed out, or the peer's key was refused. */
export class HandshakeError extends WalkieError {}

/** A link- or stream-level failure: reset, closed, timed out, peer vanished. */
export class LinkError extends WalkieError {}

/** A local operational failure: bad config, unreadable state, bad arguments. */
export class ConfigError extends WalkieError {}

/** True when `err` is a WalkieError carrying `code`. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof WalkieError && err.code === code;
}
