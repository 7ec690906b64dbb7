/**
 * One rpc stream a peer opened, served: its requests and notifications run
 * through the registry's handlers. Memory stays bounded whatever the peer
 * sends: at most `maxConcurrent` handlers run at once per stream; beyond
 * that the stream is not read (the mux's flow control then holds the peer
 * back), and neither is it while the peer does not read our answers.
 */
import { WalkieError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { LENGTH_PREFIX_SIZE, MessageSplitter } from "../message-framing.js";
import type { CborValue } from "../strict-cbor.js";
import { RpcError } from "./errors.js";
import {
  decodeRpcMessage,
  frameRpcMessage,
  isServiceName,
  type RpcMessage,
  RpcMessageType,
} from "./messages.js";
import type { RpcContext, RpcRegistry } from "./server.js";

type Call = Extract<RpcMessage, { type: RpcMessageType.Request | RpcMessageType.Notify }>;

export class ServerSession {
  private readonly splitter: MessageSplitter;
  /** Parsed calls waiting for a free slot (at most one chunk's worth). */
  private queue: Call[] = [];
  private queueHead = 0;
  private inFlight = 0;
  /** Running requests by id, to cancel them. */
  private readonly running = new Map<number, () => void>();
  /** Notifications running, to abort them if the stream goes. */
  private readonly notifying = new Set<AbortController>();
  private waitingForDrain = false;
  private peerEnded = false;
  private done = false;

  constructor(
    private readonly registry: RpcRegistry,
    private readonly stream: MuxStream,
    private readonly link: Link,
  ) {
    this.splitter = new MessageSplitter({
      maxSize: registry.maxMessageSize,
      tooLargeCode: "ERR_RPC_TOO_LARGE",
    });
  }

  start(): void {
    const stream = this.stream;
    stream.on("data", (chunk: Buffer) => this.receive(chunk));
    stream.on("end", () => {
      this.peerEnded = true;
      this.maybeEnd();
    });
    stream.on("error", () => {});
    stream.on("close", () => this.stop());
  }

  private receive(chunk: Buffer): void {
    if (this.done) return;
    try {
      for (const body of this.splitter.push(chunk)) {
        const message = decodeRpcMessage(body);
        if (message.type === RpcMessageType.Cancel) {
          this.running.get(message.id)?.();
        } else if (
          message.type === RpcMessageType.Request ||
          message.type === RpcMessageType.Notify
        ) {
          this.queue.push(message);
        } else {
          throw new RpcError("ERR_RPC_INVALID", "a response came to the answering side");
        }
      }
    } catch (err: unknown) {
      this.fail(err);
      return;
    }
    this.pump();
  }

  /** Starts queued calls while slots are free; reads the stream only when all are started. */
  private pump(): void {
    const max = this.registry.maxConcurrent;
    while (this.queueHead < this.queue.length && this.inFlight < max && !this.done) {
      const call = this.queue[this.queueHead++]!;
      if (call.type === RpcMessageType.Request) this.startRequest(call);
      else this.startNotify(call);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    if (this.done) return;
    const hold = this.queueHead < this.queue.length || this.waitingForDrain;
    if (hold) this.stream.pause();
    else if (this.stream.isPaused()) this.stream.resume();
  }

  private startRequest(call: Extract<Call, { type: RpcMessageType.Request }>): void {
    const { id, service } = call;
    if (this.running.has(id)) {
      this.fail(new RpcError("ERR_RPC_INVALID", `request id ${id} is already running`));
      return;
    }
    const handler = this.registry.requests.get(service);
    if (handler === undefined) {
      this.send({
        type: RpcMessageType.Error,
        id,
        code: "ERR_UNKNOWN_SERVICE",
        message: `${service} is not served here`,
      });
      return;
    }
    const context = new CallContext(this.link, service);
    let result: unknown;
    try {
      result = handler(call.payload, context);
    } catch (err: unknown) {
      this.answerNow(this.errorAnswer(id, service, err));
      return;
    }
    if (!isPromiseLike(result)) {
      // Answered at once, as most handlers do: nothing can cancel it meanwhile.
      this.answerNow({ type: RpcMessageType.Result, id, payload: (result ?? null) as CborValue });
      return;
    }
    let finished = false;
    const release = () => {
      if (finished) return false;
      finished = true;
      this.running.delete(id);
      this.inFlight--;
      return true;
    };
    // A cancelled call is over for the caller: its slot is freed at once
    // (a handler should stop on its signal) and its answer is dropped.
    this.running.set(id, () => {
      context.cancel();
      if (release()) queueMicrotask(() => this.afterCall());
    });
    this.inFlight++;
    const finish = (answer: RpcMessage) => {
      if (!release()) return;
      this.send(answer);
      this.afterCall();
    };
    result.then(
      (value: unknown) =>
        finish({ type: RpcMessageType.Result, id, payload: (value ?? null) as CborValue }),
      (err: unknown) => finish(this.errorAnswer(id, service, err)),
    );
  }

  /** Sends the answer of a call that finished while it started (pump goes on by itself). */
  private answerNow(answer: RpcMessage): void {
    this.send(answer);
    this.maybeEnd();
  }

  private startNotify(call: Extract<Call, { type: RpcMessageType.Notify }>): void {
    const { service } = call;
    const handler = this.registry.notifications.get(service);
    if (handler === undefined) {
      this.report(
        new RpcError("ERR_UNKNOWN_SERVICE", `notification for ${service}, not served here`),
      );
      return;
    }
    const controller = new AbortController();
    this.notifying.add(controller);
    this.inFlight++;
    const finish = () => {
      this.notifying.delete(controller);
      this.inFlight--;
      this.pump();
      this.maybeEnd();
    };
    const failed = (err: unknown) => {
      this.report(handlerFailure(service, err));
      finish();
    };
    try {
      const result = handler(call.payload, { link: this.link, service, signal: controller.signal });
      if (isPromiseLike(result)) result.then(finish, failed);
      else finish();
    } catch (err: unknown) {
      failed(err);
    }
  }

  /** The error answer for what a handler threw: its own code if it chose one. */
  private errorAnswer(id: number, service: string, err: unknown): RpcMessage {
    if (err instanceof WalkieError && isServiceName(err.code)) {
      const answer: RpcMessage = {
        type: RpcMessageType.Error,
        id,
        code: err.code,
        message: err.message,
      };
      if (err instanceof RpcError && err.details !== undefined) answer.details = err.details;
      return answer;
    }
    // An unexpected failure: the details stay here, the caller learns only that it failed.
    this.report(handlerFailure(service, err));
    return {
      type: RpcMessageType.Error,
      id,
      code: "ERR_HANDLER_FAILED",
      message: `the handler for ${service} failed`,
    };
  }

  private send(message: RpcMessage): void {
    if (this.done || this.stream.destroyed || this.stream.writableEnded) return;
    let frame: Buffer;
    try {
      frame = frameRpcMessage(message);
    } catch (err: unknown) {
      // The handler returned something CBOR cannot carry.
      const id = "id" in message ? message.id : 0;
      this.report(
        new RpcError("ERR_RPC_ENCODE", `cannot encode the answer: ${String(err)}`, { cause: err }),
      );
      frame = frameRpcMessage({
        type: RpcMessageType.Error,
        id,
        code: "ERR_HANDLER_FAILED",
        message: "the handler's answer cannot be encoded",
      });
    }
    const size = frame.length - LENGTH_PREFIX_SIZE;
    if (size > this.registry.maxMessageSize && "id" in message) {
      frame = frameRpcMessage({
        type: RpcMessageType.Error,
        id: message.id,
        code: "ERR_RPC_TOO_LARGE",
        message: `the answer of ${size} bytes is over the limit of ${this.registry.maxMessageSize}`,
      });
    }
    if (!this.stream.write(frame) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.stream.once("drain", () => {
        this.waitingForDrain = false;
        this.pump();
      });
    }
  }

  private afterCall(): void {
    this.pump();
    this.maybeEnd();
  }

  /** Once the caller has ended its side and every call is answered, end ours. */
  private maybeEnd(): void {
    if (
      this.peerEnded &&
      this.inFlight === 0 &&
      this.queueHead === this.queue.length &&
      !this.done
    ) {
      this.done = true;
      this.stream.end();
    }
  }

  /** The peer broke the protocol: reset the stream with the error's code. */
  private fail(err: unknown): void {
    const walkieErr =
      err instanceof WalkieError
        ? err
        : new RpcError("ERR_RPC_INVALID", String(err), { cause: err });
    this.report(walkieErr);
    this.stop();
    this.stream.reset(isServiceName(walkieErr.code) ? walkieErr.code : "ERR_RPC_INVALID");
  }

  private stop(): void {
    this.done = true;
    this.queue = [];
    this.queueHead = 0;
    for (const cancel of [...this.running.values()]) cancel();
    for (const controller of this.notifying) controller.abort();
  }

  private report(err: WalkieError): void {
    this.registry.onError(err, this.link);
  }
}

/** What a request handler learns of its call; one plain object per call, no closures. */
class CallContext implements RpcContext {
  private controller: AbortController | undefined;
  private cancelled = false;

  constructor(
    readonly link: Link,
    readonly service: string,
  ) {}

  /** Made only if the handler looks at it: most never do. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.cancelled) this.controller.abort();
    return this.controller.signal;
  }

  cancel(): void {
    this.cancelled = true;
    this.controller?.abort();
  }
}

function handlerFailure(service: string, err: unknown): RpcError {
  const reason = err instanceof Error ? err.message : String(err);
  return new RpcError("ERR_HANDLER_FAILED", `the handler for ${service} failed: ${reason}`, {
    cause: err,
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
