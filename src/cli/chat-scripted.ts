/**
 * `walkie chat` for scripts: `--send` (each stdin line a message, then wait
 * for the receipts) and `--json` (NDJSON lines in, events out). Every line
 * is checked (UTF-8, size) and a bad one is reported without stopping the rest.
 */
import { isUtf8 } from "node:buffer";
import { type ChatMessage, type ChatService, WalkieError } from "../index.js";
import { messageEvent } from "./chat-view.js";
import { describeError, type Reporter } from "./output.js";

/** The lines of stdin as messages: each checked (UTF-8, size) and sent in order. */
async function sendLines(
  chat: ChatService,
  peer: string,
  onLine: (bytes: Buffer) => string | undefined,
  onError: (err: unknown, lineNumber: number) => void,
): Promise<ChatMessage[]> {
  const sent: ChatMessage[] = [];
  let rest = Buffer.alloc(0);
  let lineNumber = 0;
  const handle = async (bytes: Buffer) => {
    lineNumber++;
    if (bytes.length === 0) return;
    try {
      if (!isUtf8(bytes)) {
        throw new WalkieError("ERR_CHAT_INVALID_TEXT", `line ${lineNumber} is not valid UTF-8`);
      }
      const text = onLine(bytes);
      if (text !== undefined) sent.push(await chat.send(peer, text));
    } catch (err: unknown) {
      onError(err, lineNumber);
    }
  };
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    rest = Buffer.concat([rest, chunk]);
    for (let at = rest.indexOf(10); at >= 0; at = rest.indexOf(10)) {
      // A line may end in \r\n.
      await handle(rest.subarray(0, at > 0 && rest[at - 1] === 13 ? at - 1 : at));
      rest = rest.subarray(at + 1);
    }
    if (rest.length > 64 * 1024) {
      onError(
        new WalkieError("ERR_CHAT_TOO_LARGE", `line ${lineNumber + 1} is too long`),
        lineNumber + 1,
      );
      rest = Buffer.alloc(0);
    }
  }
  if (rest.length > 0) await handle(rest);
  return sent;
}

/** Resolves once none of `messages` is pending, or after `waitMs`. */
function receipts(
  chat: ChatService,
  peer: string,
  messages: ChatMessage[],
  waitMs: number,
): Promise<number> {
  const waiting = new Set(messages.map((m) => m.id));
  return new Promise((resolve) => {
    const done = () => {
      chat.off("receipt", onReceipt);
      clearTimeout(timer);
      resolve(waiting.size);
    };
    const onReceipt = (message: ChatMessage) => {
      if (message.peer !== peer) return;
      waiting.delete(message.id);
      if (waiting.size === 0) done();
    };
    const timer = setTimeout(done, waitMs);
    chat.on("receipt", onReceipt);
    // Some may have been confirmed already.
    void chat.pending(peer).then((pending) => {
      const still = new Set(pending.map((m) => m.id));
      for (const id of [...waiting]) if (!still.has(id)) waiting.delete(id);
      if (waiting.size === 0) done();
    });
  });
}

export async function runSend(
  chat: ChatService,
  peer: string,
  reporter: Reporter,
  waitMs: number,
  finish: (code: number) => Promise<void>,
): Promise<void> {
  let failed = false;
  chat.on("receipt", (message: ChatMessage) => {
    if (message.peer === peer)
      reporter.event("receipt", messageEvent("receipt", message), undefined);
  });
  const sent = await sendLines(
    chat,
    peer,
    (bytes) => bytes.toString("utf8"),
    (err) => {
      failed = true;
      reporter.event(
        "error",
        describeError(err),
        `walkie: ${describeError(err).message} (${describeError(err).code})`,
      );
    },
  );
  const undelivered = await receipts(chat, peer, sent, waitMs);
  reporter.event(
    "sent",
    { sent: sent.length, delivered: sent.length - undelivered },
    `walkie: ${sent.length - undelivered} of ${sent.length} delivered`,
  );
  await finish(failed ? 1 : 0);
}

export async function runJson(
  chat: ChatService,
  peer: string,
  waitMs: number,
  finish: (code: number) => Promise<void>,
): Promise<void> {
  const out = (fields: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify(fields)}\n`);
  chat.on("message", (message: ChatMessage) => {
    if (message.peer === peer) out(messageEvent("message", message));
  });
  chat.on("receipt", (message: ChatMessage) => {
    if (message.peer === peer) out(messageEvent("receipt", message));
  });
  let failed = false;
  const sent = await sendLines(
    chat,
    peer,
    (bytes) => {
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString("utf8"));
      } catch {
        throw new WalkieError("ERR_CHAT_JSON", 'a line is not JSON: send {"text": "..."}');
      }
      const text = (value as { text?: unknown } | null)?.text;
      if (typeof text !== "string")
        throw new WalkieError("ERR_CHAT_JSON", 'a line has no "text" string');
      return text;
    },
    (err, line) => {
      failed = true;
      out({ event: "error", line, ...describeError(err) });
    },
  );
  for (const message of sent) out(messageEvent("queued", message));
  await receipts(chat, peer, sent, waitMs);
  await finish(failed ? 1 : 0);
}
