import type { Duplex } from "node:stream";
import { HandshakeError } from "../errors.js";

/**
 * Reads the cleartext start of a link from a duplex: exact byte counts (the
 * preamble) and 2-byte-length messages (Noise handshake messages), with one
 * deadline for all of it. Whatever arrives past the last message is handed
 * back by `detach()` for the record layer.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.wake();
  };
  private readonly onEnd = () => this.fail(peerClosed());
  private readonly onError = (err: Error) =>
    this.fail(
      new HandshakeError(
        "ERR_HANDSHAKE_ABORTED",
        `transport failed during the handshake: ${err.message}`,
        { cause: err },
      ),
    );

  constructor(private readonly transport: Duplex) {
    transport.on("data", this.onData);
    transport.on("end", this.onEnd);
    transport.on("close", this.onEnd);
    transport.on("error", this.onError);
  }

  /** Fails every pending and later read with `err` (used for timeouts). */
  fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  /** Resolves with exactly `length` bytes. */
  async readExactly(length: number): Promise<Buffer> {
    while (this.buffered < length) await this.waitForData();
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Resolves with the body of one length-prefixed message. */
  async readMessage(maxLength: number): Promise<Buffer> {
    const length = (await this.readExactly(2)).readUInt16BE(0);
    if (length > maxLength) {
      throw new HandshakeError(
        "ERR_HANDSHAKE",
        `handshake message of ${length} bytes is too large`,
      );
    }
    return this.readExactly(length);
  }

  /** Stops listening and returns the bytes received but not read yet. */
  detach(): Buffer[] {
    this.transport.off("data", this.onData);
    this.transport.off("end", this.onEnd);
    this.transport.off("close", this.onEnd);
    this.transport.off("error", this.onError);
    // Hold further data until the record layer attaches its own reader.
    this.transport.pause();
    const rest = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }

  private waitForData(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

function peerClosed(): HandshakeError {
  return new HandshakeError(
    "ERR_HANDSHAKE_ABORTED",
    "the peer closed the connection during the handshake",
  );
}
