/**
 * A byte stream over a WebSocket, with half-close and errors: binary
 * messages carry the bytes, the text message `{"type":"end"}` ends one
 * direction, `{"type":"error","code","message"}` fails the stream at the
 * other end, and any other text message is a `control` event (the caller's
 * own signalling, such as "connected"). A CLI command reaches a running
 * node's links through it; both ends use this class.
 */
import { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { LinkError } from "../errors.js";

/** Largest binary message sent; the receiving side's maxPayload must allow it. */
export const MAX_WEBSOCKET_CHUNK = 256 * 1024;

/** A control message: anything with a `type`. */
export interface ControlMessage {
  type: string;
  [field: string]: unknown;
}

export class WebSocketDuplex extends Duplex {
  /** The other end's `end` came (its data before it may still wait in our buffer). */
  private endReceived = false;
  /** Our `end` went out. */
  private endSent = false;

  constructor(private readonly ws: WebSocket) {
    super({ allowHalfOpen: true });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        if (!this.push(data)) ws.pause();
        return;
      }
      let message: ControlMessage;
      try {
        message = JSON.parse(String(data)) as ControlMessage;
      } catch (err: unknown) {
        this.destroy(
          new LinkError("ERR_CONTROL_PROTOCOL", "unreadable control message", { cause: err }),
        );
        return;
      }
      if (message.type === "end") {
        this.endReceived = true;
        this.push(null);
        this.closeWhenDone();
      } else if (message.type === "error") {
        const code = typeof message.code === "string" ? message.code : "ERR_CONTROL_PROTOCOL";
        this.destroy(new LinkError(code, String(message.message ?? code)));
      } else this.emit("control", message);
    });
    ws.on("close", () => {
      if (!this.endReceived || !this.endSent) {
        this.destroy(new LinkError("ERR_CONTROL_CLOSED", "the other end went away mid-stream"));
      }
    });
    ws.on("error", (err: Error) =>
      this.destroy(new LinkError("ERR_CONTROL_CLOSED", err.message, { cause: err })),
    );
  }

  /** Both directions done: the socket closes cleanly. */
  private closeWhenDone(): void {
    if (this.endReceived && this.endSent) this.ws.close(1000);
  }

  /** Sends the caller's own signal (`{ type, ... }`) in order with the data. */
  sendControl(message: ControlMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** Tells the other end why this stream failed, then closes. */
  fail(code: string, message: string): void {
    this.sendControl({ type: "error", code, message });
    this.ws.close(1000);
    this.destroy();
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (err?: Error | null) => void,
  ): void {
    let offset = 0;
    const next = (err?: Error) => {
      if (err) return done(err);
      if (offset >= chunk.length) return done();
      const piece = chunk.subarray(offset, offset + MAX_WEBSOCKET_CHUNK);
      offset += piece.length;
      this.ws.send(piece, { binary: true }, next);
    };
    next();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.ws.send(JSON.stringify({ type: "end" }), (err?: Error) => {
      if (!err) {
        this.endSent = true;
        this.closeWhenDone();
      }
      done(err);
    });
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      if (err) this.ws.terminate();
      else this.ws.close(1000);
    }
    done(err);
  }
}
