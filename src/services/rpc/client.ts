/**
 * The calling side of rpc over one link: requests with their own id, timeout
 * and cancellation, and notifications. Calls share one stream while any is
 * pending (the stream ends when the client has been idle a moment, so a
 * graceful link close is not held up, and opens again with the next call:
 * an OPEN costs no round trip).
 */
import { LinkError, WalkieError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { LENGTH_PREFIX_SIZE, MessageSplitter } from "../message-framing.js";
import type { CborValue } from "../strict-cbor.js";
import { RpcError, RpcRemoteError } from "./errors.js";
import {
  decodeRpcMessage,
  frameRpcMessage,
  isServiceName,
  MAX_REQUEST_ID,
  type RpcMessage,
  RpcMessageType,
} from "./messages.js";
import { DEFAULT_MAX_MESSAGE_SIZE } from "./server.js";

/** Mux service name of rpc streams. */
export const RPC_SERVICE = "rpc";

export interface RpcClientOptions {
  /** Requests waiting for an answer at once; beyond it `request` fails with ERR_BUSY. @default 1024 */
  maxPending?: number;
  /** Largest message body either way, in bytes. @default 1048576 (1 MiB) */
  maxMessageSize?: number;
  /** Timeout of a request that gives none. @default 30000 */
  timeoutMs?: number;
  /** Bytes queued for the stream beyond which `notify` fails with ERR_BUSY. @default 4194304 */
  maxQueuedBytes?: number;
}

export interface RequestOptions<T> {
  /** Fails with ERR_RPC_TIMEOUT (and cancels the call on the peer) after this long. @default the client's */
  timeoutMs?: number;
  /** Aborting fails the request with ERR_ABORTED and cancels it on the peer. */
  signal?: AbortSignal;
  /** Checks the response and gives it its type; what it throws rejects the request. */
  validate?: (value: CborValue) => T;
}

interface Pending {
  service: string;
  resolve: (value: CborValue) => void;
  reject: (err: Error) => void;
  /** Date.now() after which the call times out. */
  deadline: number;
  timeoutMs: number;
  stream: MuxStream;
  /** The caller's signal and our listener on it, when it gave one. */
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** How long an idle client keeps its stream open. */
const LINGER_MS = 20;

/** Calls to the peer of one link. Get it with `rpc(link)`. */
export class RpcClient {
  private readonly maxPending: number;
  private readonly maxMessageSize: number;
  private readonly timeoutMs: number;
  private readonly maxQueuedBytes: number;
  private readonly pendingCalls = new Map<number, Pending>();
  private stream: MuxStream | undefined;
  private nextId = 1;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** When the last pending call settled (the linger counts from there). */
  private idleSince = 0;
  /** One timer for every call's timeout, set for the earliest deadline. */
  private timeoutTimer: NodeJS.Timeout | undefined;
  private timeoutAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly link: Link,
    options: RpcClientOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 1024;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  }

  /** Requests waiting for an answer. */
  get pending(): number {
    return this.pendingCalls.size;
  }

  /**
   * Calls `service` on the peer with `payload` (bytes or any structured value
   * CBOR carries) and resolves with its answer.
   * @throws RpcRemoteError (the peer's handler failed, or ERR_UNKNOWN_SERVICE);
   *   LinkError ERR_RPC_TIMEOUT, ERR_ABORTED, ERR_LINK_CLOSED; RpcError ERR_BUSY,
   *   ERR_RPC_TOO_LARGE, ERR_RPC_ENCODE
   */
  request<T = CborValue>(
    service: string,
    payload?: unknown,
    options: RequestOptions<T> = {},
  ): Promise<T> {
    const answer = new Promise<CborValue>((resolve, reject) =>
      this.start(service, payload, options, resolve, reject),
    );
    const { validate } = options;
    return validate === undefined ? (answer as Promise<T>) : answer.then(validate);
  }

  /** Sends the request and records it; what it throws rejects the request. */
  private start<T>(
    service: string,
    payload: unknown,
    options: RequestOptions<T>,
    resolve: (value: CborValue) => void,
    reject: (err: Error) => void,
  ): void {
    const { signal } = options;
    if (signal?.aborted) throw aborted(service);
    if (this.pendingCalls.size >= this.maxPending) {
      throw new RpcError("ERR_BUSY", `${this.pendingCalls.size} requests are already waiting`);
    }
    const id = this.nextId;
    this.nextId = id >= MAX_REQUEST_ID ? 1 : id + 1;
    const frame = this.frame({
      type: RpcMessageType.Request,
      id,
      service,
      payload: toValue(payload),
    });
    const stream = this.openStream();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const call: Pending = { service, resolve, reject, deadline, timeoutMs, stream };
    if (signal !== undefined) {
      // Only calls that can be aborted pay for a listener.
      call.signal = signal;
      call.onAbort = () => {
        this.settle(id)?.reject(aborted(service));
        this.cancel(stream, id);
      };
      signal.addEventListener("abort", call.onAbort, { once: true });
    }
    this.pendingCalls.set(id, call);
    this.armTimeout(deadline);
    stream.write(frame);
  }

  /** The call `id` ran out of time: fail it here and cancel it on the peer. */
  private timeOut(id: number, call: Pending): void {
    if (this.settle(id) === undefined) return;
    call.reject(
      new LinkError("ERR_RPC_TIMEOUT", `${call.service}: no answer within ${call.timeoutMs} ms`),
    );
    this.cancel(call.stream, id);
  }

  /**
   * Sends a one-way message to `service`; resolves once it is handed to the
   * link (nothing comes back: the peer's handler errors stay there).
   * @throws RpcError ERR_BUSY when the link is backed up, ERR_RPC_TOO_LARGE, ERR_RPC_ENCODE
   */
  notify(service: string, payload?: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const frame = this.frame({ type: RpcMessageType.Notify, service, payload: toValue(payload) });
      const stream = this.openStream();
      if (stream.writableLength > this.maxQueuedBytes) {
        throw new RpcError("ERR_BUSY", "the link is backed up: too much waiting to be sent");
      }
      stream.write(frame, (err) => (err ? reject(err) : resolve()));
      this.scheduleLinger();
    });
  }

  private frame(message: RpcMessage): Buffer {
    if ("service" in message && !isServiceName(message.service)) {
      throw new RangeError(`rpc service is not a token: ${JSON.stringify(message.service)}`);
    }
    let frame: Buffer;
    try {
      frame = frameRpcMessage(message);
    } catch (err: unknown) {
      throw new RpcError("ERR_RPC_ENCODE", `cannot encode the payload: ${String(err)}`, {
        cause: err,
      });
    }
    const size = frame.length - LENGTH_PREFIX_SIZE;
    if (size > this.maxMessageSize) {
      throw new RpcError(
        "ERR_RPC_TOO_LARGE",
        `a message of ${size} bytes is over the limit of ${this.maxMessageSize}`,
      );
    }
    return frame;
  }

  private openStream(): MuxStream {
    if (this.stream !== undefined) return this.stream;
    const stream = this.link.openStream(RPC_SERVICE);
    this.stream = stream;
    const splitter = new MessageSplitter({
      maxSize: this.maxMessageSize,
      tooLargeCode: "ERR_RPC_TOO_LARGE",
    });
    stream.on("data", (chunk: Buffer) => {
      try {
        for (const body of splitter.push(chunk)) this.receive(decodeRpcMessage(body));
      } catch (err: unknown) {
        const code = err instanceof WalkieError ? err.code : "ERR_RPC_INVALID";
        this.closeStream(stream, err instanceof Error ? err : new Error(String(err)));
        stream.reset(isServiceName(code) ? code : "ERR_RPC_INVALID");
      }
    });
    stream.on("error", (err: Error) => this.closeStream(stream, err));
    stream.on("close", () => this.closeStream(stream, undefined));
    stream.on("end", () => this.closeStream(stream, undefined));
    return stream;
  }

  private receive(message: RpcMessage): void {
    if (message.type === RpcMessageType.Result) {
      this.settle(message.id)?.resolve(message.payload);
    } else if (message.type === RpcMessageType.Error) {
      const call = this.settle(message.id);
      call?.reject(
        new RpcRemoteError(call.service, message.code, message.message, message.details),
      );
    } else {
      throw new RpcError("ERR_RPC_INVALID", "a call came on the calling side's stream");
    }
  }

  /** Forgets the call `id` and returns it (undefined if it was already settled). */
  private settle(id: number): Pending | undefined {
    const call = this.pendingCalls.get(id);
    if (call === undefined) return undefined;
    this.pendingCalls.delete(id);
    if (call.onAbort !== undefined) call.signal!.removeEventListener("abort", call.onAbort);
    if (this.pendingCalls.size === 0) {
      // Nothing left to time out: no timer may keep the process alive after the last answer.
      clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
      this.timeoutAt = Number.POSITIVE_INFINITY;
    }
    this.scheduleLinger();
    return call;
  }

  /** Makes sure the timeout timer fires by `deadline`. */
  private armTimeout(deadline: number): void {
    if (deadline >= this.timeoutAt) return;
    clearTimeout(this.timeoutTimer);
    this.timeoutAt = deadline;
    this.timeoutTimer = setTimeout(() => this.expire(), Math.max(0, deadline - Date.now()));
  }

  /** Times out every call past its deadline; sets the timer for the next one. */
  private expire(): void {
    this.timeoutTimer = undefined;
    this.timeoutAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, call] of [...this.pendingCalls]) {
      if (call.deadline <= now) this.timeOut(id, call);
      else next = Math.min(next, call.deadline);
    }
    if (next !== Number.POSITIVE_INFINITY) this.armTimeout(next);
  }

  private cancel(stream: MuxStream, id: number): void {
    if (stream.destroyed || stream.writableEnded) return;
    stream.write(this.frame({ type: RpcMessageType.Cancel, id }));
  }

  /**
   * Ends the stream once no call has been waiting for LINGER_MS. One timer
   * serves many calls: when it fires early it looks again later.
   */
  private scheduleLinger(): void {
    if (this.pendingCalls.size > 0) return;
    this.idleSince = Date.now();
    if (this.lingerTimer !== undefined || this.stream === undefined) return;
    const check = () => {
      this.lingerTimer = undefined;
      const stream = this.stream;
      if (stream === undefined || this.pendingCalls.size > 0) return;
      const idle = Date.now() - this.idleSince;
      if (idle < LINGER_MS) {
        this.lingerTimer = setTimeout(check, LINGER_MS - idle);
        return;
      }
      this.stream = undefined;
      stream.end();
    };
    this.lingerTimer = setTimeout(check, LINGER_MS);
  }

  /** The stream is gone or unusable: fail the calls that waited on it. */
  private closeStream(stream: MuxStream, err: Error | undefined): void {
    if (this.stream === stream) this.stream = undefined;
    for (const [id, call] of this.pendingCalls) {
      if (call.stream !== stream) continue;
      this.settle(id);
      call.reject(this.streamFailure(call.service, err));
    }
  }

  private streamFailure(service: string, err: Error | undefined): Error {
    if (this.link.closed || (err instanceof WalkieError && err.code === "ERR_LINK_CLOSED")) {
      return new LinkError(
        "ERR_LINK_CLOSED",
        `${service}: the link closed before the answer came`,
        {
          cause: err,
        },
      );
    }
    if (err instanceof WalkieError) return err;
    return new RpcError("ERR_RPC_CLOSED", `${service}: the peer closed the rpc stream unanswered`, {
      cause: err,
    });
  }
}

const clients = new WeakMap<Link, RpcClient>();

/**
 * The rpc client of `link` (made on first use; `options` count only then).
 *
 * ```ts
 * const reading = await rpc(link).request<Reading>("sensor.read", { channel: 2 }, { timeoutMs: 2000 });
 * await rpc(link).notify("led.set", { on: true });
 * ```
 */
export function rpc(link: Link, options?: RpcClientOptions): RpcClient {
  let client = clients.get(link);
  if (client === undefined) {
    client = new RpcClient(link, options);
    clients.set(link, client);
  }
  return client;
}

function toValue(payload: unknown): CborValue {
  return (payload ?? null) as CborValue;
}

function aborted(service: string): LinkError {
  return new LinkError("ERR_ABORTED", `${service}: the request was aborted`);
}
