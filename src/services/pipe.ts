/**
 * The pipe service: raw bytes between a local input/output pair and a
 * stream, both ways at once, with half-close, like netcat. The stream is
 * the link's business; this only plumbs and counts.
 */
import type { Duplex, Readable, Writable } from "node:stream";
import { LinkError } from "../errors.js";

/** Service name that `walkie pipe` opens. */
export const PIPE_SERVICE = "pipe";

export interface PipeResult {
  /** Bytes read from `input` and sent. */
  bytesSent: number;
  /** Bytes received and written to `output`. */
  bytesReceived: number;
}

/**
 * Copies `input` to `stream` and `stream` to `output` until both directions
 * have ended: EOF on `input` half-closes the stream, the peer's end ends
 * `output`. Rejects on the first error of any of the three.
 */
export function pipeStreams(
  stream: Duplex,
  input: Readable,
  output: Writable,
): Promise<PipeResult> {
  const result: PipeResult = { bytesSent: 0, bytesReceived: 0 };
  return new Promise((resolve, reject) => {
    let sendDone = false;
    let receiveDone = false;
    const settle = () => {
      if (sendDone && receiveDone) resolve(result);
    };
    const abort = (err: Error) => {
      input.unpipe(stream);
      stream.unpipe(output);
      if (!stream.destroyed) stream.destroy();
      reject(err);
    };
    input.on("data", (chunk: Buffer) => {
      result.bytesSent += chunk.length;
    });
    stream.on("data", (chunk: Buffer) => {
      result.bytesReceived += chunk.length;
    });
    input.once("error", (err) =>
      abort(new LinkError("ERR_INPUT", `reading input failed: ${err.message}`, { cause: err })),
    );
    output.once("error", (err) =>
      abort(new LinkError("ERR_OUTPUT", `writing output failed: ${err.message}`, { cause: err })),
    );
    stream.once("error", abort);
    stream.once("finish", () => {
      sendDone = true;
      settle();
    });
    output.once("finish", () => {
      receiveDone = true;
      settle();
    });
    input.pipe(stream);
    // pipe() never ends process.stdout, so the peer's end is passed on by hand.
    stream.pipe(output, { end: false });
    stream.once("end", () => output.end());
    stream.once("close", () => {
      if (!(sendDone && stream.readableEnded)) {
        abort(new LinkError("ERR_LINK_CLOSED", "the stream closed before both directions ended"));
      }
    });
  });
}
