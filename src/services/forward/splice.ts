/**
 * Joins a forwarded TCP connection and its stream: bytes both ways, each
 * direction ending on its own (half-close), and trouble on one side passed
 * on to the other as a reset, as a router would.
 */
import type { Socket } from "node:net";
import type { MuxStream } from "../../link/index.js";

/** Code sent with RESET when the TCP connection on this side failed. */
export const CONNECTION_RESET = "ERR_FORWARD_RESET";

/**
 * Pipes `socket` and `stream` into each other until both directions end.
 * `onError` hears once about the first failure: the stream's (reset by the
 * peer, link down) or the socket's.
 */
export function splice(
  socket: Socket,
  stream: MuxStream,
  onError: (err: Error, side: "socket" | "stream") => void,
): void {
  let failed = false;
  const fail = (err: Error, side: "socket" | "stream") => {
    if (failed) return;
    failed = true;
    socket.unpipe(stream);
    stream.unpipe(socket);
    if (side === "stream") socket.resetAndDestroy();
    else stream.reset(CONNECTION_RESET);
    onError(err, side);
  };
  socket.on("error", (err) => fail(err, "socket"));
  stream.on("error", (err) => fail(err, "stream"));
  // A socket closed before both directions finished went away mid-stream.
  socket.on("close", () => {
    if (!failed && !(socket.readableEnded && stream.writableFinished)) {
      if (!stream.destroyed) fail(new Error("the connection closed early"), "socket");
    }
  });
  socket.pipe(stream);
  stream.pipe(socket);
}
