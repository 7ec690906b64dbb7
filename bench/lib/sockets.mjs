/**
 * Socket helpers shared by the single-stream contenders (net, tls): they have
 * no multiplexing, so each channel is its own connection, and the listener a
 * connection arrives on says which kind of channel it is.
 */
import { fromDuplex } from "./channel.mjs";

export const HOST = "127.0.0.1";

/** Listens on an ephemeral port; every accepted socket is one `kind` channel. */
export function listenKind(createServer, kind, onChannel, readyEvent = "connection") {
  const sockets = new Set();
  const server = createServer();
  server.on(readyEvent, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.setNoDelay(true);
    onChannel(kind, fromDuplex(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => {
      resolve({
        port: server.address().port,
        close: () => {
          for (const socket of sockets) socket.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

/** Sink and echo listeners, addresses are their ports. */
export async function listenPair(createServer, onChannel, readyEvent) {
  const sinkServer = await listenKind(createServer, "sink", onChannel, readyEvent);
  const echoServer = await listenKind(createServer, "echo", onChannel, readyEvent);
  return {
    addrs: { sink: sinkServer.port, echo: echoServer.port },
    close: () => Promise.all([sinkServer.close(), echoServer.close()]),
  };
}

/** Resolves with the socket once `readyEvent` fires; rejects on error. */
export function connectSocket(connect, readyEvent) {
  return new Promise((resolve, reject) => {
    const socket = connect();
    socket.once("error", reject);
    socket.once(readyEvent, () => {
      socket.off("error", reject);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/** A session that opens one new connection per channel. */
export function perConnectionSession(connectTo) {
  const sockets = new Set();
  return {
    open: async (kind) => {
      const socket = await connectTo(kind);
      sockets.add(socket);
      return fromDuplex(socket);
    },
    close: async () => {
      for (const socket of sockets) socket.end();
    },
  };
}
