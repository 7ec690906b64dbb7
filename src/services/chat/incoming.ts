/**
 * The receiving end of a chat stream: each MSG is recorded (through
 * `receive`, which drops repeats by id) and then acknowledged, in order. A
 * flood waits for the disk: past 64 messages in hand the stream is not read.
 */
import { WalkieError, WireError } from "../../errors.js";
import type { MuxStream } from "../../link/index.js";
import { frameMessage, MessageSplitter } from "../message-framing.js";
import {
  ChatMessageType,
  type ChatWireMessage,
  decodeChatMessage,
  encodeChatMessage,
  MAX_CHAT_MESSAGE,
} from "./messages.js";

export type IncomingMessage = Extract<ChatWireMessage, { type: ChatMessageType.Msg }>;

export interface IncomingHooks {
  /** Records a message (once per id); the receipt goes back when it resolves. */
  receive(message: IncomingMessage): Promise<void>;
  /** A peer that broke the protocol (the stream is reset). */
  warn(err: unknown): void;
}

export function serveIncoming(stream: MuxStream, hooks: IncomingHooks): void {
  const splitter = new MessageSplitter({
    maxSize: MAX_CHAT_MESSAGE,
    tooLargeCode: "ERR_CHAT_TOO_LARGE",
  });
  let queue: Promise<void> = Promise.resolve();
  let backlog = 0;
  let failed = false;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    const code = err instanceof WalkieError ? err.code : "ERR_CHAT_INVALID";
    stream.reset(/^[A-Z_]+$/.test(code) ? code : "ERR_CHAT_INVALID");
    hooks.warn(err);
  };
  stream.on("error", () => {});
  stream.on("data", (chunk: Buffer) => {
    let messages: ChatWireMessage[];
    try {
      messages = splitter.push(chunk).map((body) => decodeChatMessage(body));
    } catch (err: unknown) {
      fail(err);
      return;
    }
    for (const message of messages) {
      if (message.type !== ChatMessageType.Msg) {
        fail(new WireError("ERR_CHAT_INVALID", "a receipt came on the receiving side"));
        return;
      }
      backlog++;
      if (backlog > 64) stream.pause();
      queue = queue.then(async () => {
        if (failed) return;
        await hooks.receive(message);
        if (!stream.destroyed && !stream.writableEnded) {
          const ack = encodeChatMessage({ type: ChatMessageType.Ack, id: message.id });
          stream.write(frameMessage(ack));
        }
        backlog--;
        if (backlog <= 16 && stream.isPaused()) stream.resume();
      });
      queue.catch(fail);
    }
  });
  stream.on("end", () => {
    queue.then(() => stream.end()).catch(fail);
  });
}
