/**
 * A tiny TCP proxy on 127.0.0.1 for tests: forwards each connection to a
 * target port with backpressure and half-close, records every byte both
 * ways, and lets a test look at (and change in place) what the client sends.
 */
import { connect, createServer, type Socket } from "node:net";

export interface TcpProxyOptions {
  /** Sees each chunk from the client before it is recorded and forwarded; may edit it in place. */
  onClientChunk?: (chunk: Buffer) => void;
}

export interface TcpProxy {
  readonly port: number;
  /** Every chunk that went from the client to the target, in order. */
  readonly toServer: Buffer[];
  /** Every chunk that went from the target back to the client, in order. */
  readonly toClient: Buffer[];
  /** Socket errors seen while proxying (resets are normal when a side is torn down). */
  readonly errors: Error[];
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetPort: number,
  options: TcpProxyOptions = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  const errors: Error[] = [];
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", (err) => errors.push(err));
    socket.once("close", () => sockets.delete(socket));
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: "127.0.0.1", port: targetPort, allowHalfOpen: true });
    track(client);
    track(upstream);
    forward(client, upstream, toServer, options.onClientChunk);
    forward(upstream, client, toClient);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    toServer,
    toClient,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function forward(from: Socket, to: Socket, log: Buffer[], inspect?: (chunk: Buffer) => void) {
  from.on("data", (chunk: Buffer) => {
    inspect?.(chunk);
    log.push(chunk);
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  from.once("end", () => to.end());
  // A reset on one side is passed on as a reset on the other.
  from.once("close", (hadError) => {
    if (hadError || !from.readableEnded) to.destroy();
  });
}
