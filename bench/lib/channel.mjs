/**
 * One byte-stream interface over every contender's stream type, so the
 * metric code in metrics.mjs is written once. A Channel is:
 *   write(buf): boolean     false means "wait for drained() before writing more"
 *   drained(): Promise      resolves when the writer may continue
 *   onData(cb)              cb(chunk) with chunk.byteLength
 *   onEnd(cb)               the peer half-closed
 *   end(): Promise          half-close after flushing
 *   destroy()               tear down now
 * Each adapter calls its stream's own API directly, so no contender pays for
 * a conversion layer that the others do not.
 */

/** Resolves on `event`, rejects if the emitter closes or errors first. */
function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      emitter.off(event, onEvent);
      emitter.off("close", onClose);
      emitter.off("error", onError);
    };
    const onEvent = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`stream closed while waiting for ${event}`));
    };
    const onError = (err) => {
      cleanup();
      reject(err);
    };
    emitter.on(event, onEvent);
    emitter.on("close", onClose);
    emitter.on("error", onError);
  });
}

/**
 * A channel over a Node Duplex (net.Socket, tls.TLSSocket, Walkie streams).
 * @param {import("node:stream").Duplex} duplex
 */
export function fromDuplex(duplex) {
  return fromPair(duplex, duplex);
}

/**
 * A channel over a writable and a readable, e.g. a child's stdin and stdout.
 * @param {import("node:stream").Writable} writable
 * @param {import("node:stream").Readable} readable
 */
export function fromPair(writable, readable) {
  return {
    write: (buf) => writable.write(buf),
    drained: () => once(writable, "drain"),
    onData: (cb) => readable.on("data", cb),
    onEnd: (cb) => readable.once("end", cb),
    end: () =>
      new Promise((resolve, reject) => {
        writable.once("error", reject);
        writable.end(resolve);
      }),
    destroy: () => {
      writable.destroy();
      readable.destroy();
    },
  };
}

/**
 * Resolves on the stream's next "drain" event, rejects if it closes first.
 * Not `stream.onDrain()`: in @libp2p/utils 7.4.1 its promise is never reset,
 * so after the first drain it resolves at once and a writer spins forever.
 */
function nextDrain(stream) {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = (event) => {
      cleanup();
      reject(event.error ?? new Error("stream closed while waiting for drain"));
    };
    const cleanup = () => {
      stream.removeEventListener("drain", onDrain);
      stream.removeEventListener("close", onClose);
    };
    stream.addEventListener("drain", onDrain);
    stream.addEventListener("close", onClose);
  });
}

/**
 * A channel over a js-libp2p v3 Stream (event based, not a Node stream).
 * @param {import("@libp2p/interface").Stream} stream
 */
export function fromLibp2p(stream) {
  return {
    write: (buf) => stream.send(buf),
    drained: () => nextDrain(stream),
    onData: (cb) => stream.addEventListener("message", (event) => cb(event.data)),
    onEnd: (cb) => stream.addEventListener("remoteCloseWrite", cb, { once: true }),
    end: () => stream.close(),
    destroy: () => stream.abort(new Error("destroyed by bench")),
  };
}
