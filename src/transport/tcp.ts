import { createConnection, createServer, isIPv6, type Server, type Socket } from "node:net";
import { LinkError } from "../errors.js";

export interface DialOptions {
  host: string;
  port: number;
  /** @default 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Opens a TCP connection (IPv4 or IPv6), half-close enabled, Nagle off. */
export function dialTcp(options: DialOptions): Promise<Socket> {
  const { host, port, timeoutMs = 10_000, signal } = options;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, allowHalfOpen: true, noDelay: true });
    const where = formatAddress(host, port);
    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onError = (err: NodeJS.ErrnoException) => {
      const reason = err.code === "ECONNREFUSED" ? "connection refused" : err.message;
      fail(
        new LinkError(dialErrorCode(err.code), `cannot reach ${where}: ${reason}`, { cause: err }),
      );
    };
    const onAbort = () => fail(new LinkError("ERR_ABORTED", `dial to ${where} aborted`));
    const timer = setTimeout(
      () => fail(new LinkError("ERR_DIAL_TIMEOUT", `no answer from ${where} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      cleanup();
      resolve(socket);
    });
  });
}

function dialErrorCode(errno: string | undefined): string {
  if (errno === "ECONNREFUSED") return "ERR_CONNECTION_REFUSED";
  if (errno === "ENOTFOUND" || errno === "EAI_AGAIN") return "ERR_HOST_NOT_FOUND";
  return "ERR_DIAL_FAILED";
}

export interface TcpListener {
  readonly host: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** @default "::" (all interfaces, IPv6 and IPv4 where the OS allows) */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
}

/** Listens for TCP connections; each socket has half-close enabled and Nagle off. */
export function listenTcp(
  options: ListenOptions,
  onConnection: (socket: Socket) => void,
): Promise<TcpListener> {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      const code = err.code === "EADDRINUSE" ? "ERR_ADDRESS_IN_USE" : "ERR_LISTEN_FAILED";
      reject(
        new LinkError(code, `cannot listen on port ${options.port ?? 0}: ${err.message}`, {
          cause: err,
        }),
      );
    });
    server.listen({ host: options.host ?? "::", port: options.port ?? 0 }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new LinkError("ERR_LISTEN_FAILED", "listener has no TCP address"));
        return;
      }
      resolve({
        host: address.address,
        port: address.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
          }),
      });
    });
  });
}

/** `host:port`, with brackets around IPv6 hosts. */
export function formatAddress(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parses `HOST:PORT`, `[V6]:PORT` or `V6` literal with port after the last
 * colon in brackets only. Throws ConfigError-like LinkError on nonsense.
 */
export function parseAddress(text: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LinkError("ERR_BAD_ADDRESS", `"${text}" is not HOST:PORT (IPv6 as [ADDR]:PORT)`);
  }
  return { host: match[1]!, port };
}
