/**
 * The answering side of rpc: handlers by service name, and the limits that
 * keep a peer's calls bounded. Each rpc stream a peer opens is served by a
 * ServerSession (server-session.ts).
 */
import type { WalkieError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { isServiceName } from "./messages.js";
import { ServerSession } from "./server-session.js";

/** What a handler learns about the call besides its payload. */
export interface RpcContext {
  /** The link the call came over (`link.peer` says who called). */
  readonly link: Link;
  readonly service: string;
  /** Aborted when the caller cancels (its timeout) or the link goes down. */
  readonly signal: AbortSignal;
}

/**
 * Answers a request: the value returned (or resolved) is the response. Throw
 * an `RpcError` to answer with an error code of your choice.
 */
// biome-ignore lint/suspicious/noExplicitAny: payload types are the application's choice
export type RequestHandler<Req = any, Res = unknown> = (
  payload: Req,
  context: RpcContext,
) => Res | Promise<Res>;

/** Handles a notification; nothing goes back to the sender. */
// biome-ignore lint/suspicious/noExplicitAny: payload types are the application's choice
export type NotifyHandler<T = any> = (payload: T, context: RpcContext) => void | Promise<void>;

export interface RpcServerOptions {
  /** Handlers running at once per rpc stream; beyond it the stream waits. @default 256 */
  maxConcurrent?: number;
  /** Largest message body in either direction, in bytes. @default 1048576 (1 MiB) */
  maxMessageSize?: number;
  /**
   * Trouble that stops nothing: a handler that failed with an unexpected
   * error, a notification nobody handles, a peer that sent garbage.
   * @default ignore
   */
  onError?: (err: WalkieError, link: Link) => void;
}

export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

/** Request and notification handlers by service name. */
export class RpcRegistry {
  readonly requests = new Map<string, RequestHandler>();
  readonly notifications = new Map<string, NotifyHandler>();
  readonly maxConcurrent: number;
  readonly maxMessageSize: number;
  onError: (err: WalkieError, link: Link) => void;

  constructor(options: RpcServerOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? 256;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.onError = options.onError ?? (() => {});
  }

  /** Answers requests to `service` (an ASCII token); replaces any earlier handler. */
  onRequest(service: string, handler: RequestHandler): void {
    checkServiceName(service);
    this.requests.set(service, handler);
  }

  /** Handles notifications to `service`; replaces any earlier handler. */
  onNotify(service: string, handler: NotifyHandler): void {
    checkServiceName(service);
    this.notifications.set(service, handler);
  }

  /** Serves one rpc stream the peer opened, until it closes. */
  serve(stream: MuxStream, link: Link): void {
    new ServerSession(this, stream, link).start();
  }
}

function checkServiceName(service: string): void {
  if (!isServiceName(service)) {
    throw new RangeError(`rpc service is not a token: ${JSON.stringify(service)}`);
  }
}
