/**
 * `walkie chat` in a terminal: a prompt with node:readline; whatever comes
 * in (messages, receipts, the peer coming and going, warnings) is written
 * above the prompt, and the line being typed is redrawn below it, never
 * garbled. `/history [n]` and `/quit`.
 */
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import type { ChatMessage, ChatService, Link } from "../index.js";
import { clock, formatMessage, printable } from "./chat-view.js";
import { describeError, type Reporter } from "./output.js";

export interface ChatTerminal {
  /** Status and warnings, shown above the prompt. */
  reporter: Reporter;
  /** Call for each link to the peer: shows it coming and going. */
  linked(link: Link): void;
  /** Starts taking input; `finish` runs on /quit or Ctrl-D. */
  run(finish: (code: number) => Promise<void>): void;
}

export function openTerminal(chat: ChatService, peer: string, name: string): ChatTerminal {
  let peerName = name;
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: "> ",
  });
  // Writes a line above the prompt, then redraws the prompt with what is being typed.
  const show = (line: string) => {
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    process.stdout.write(`${line}\n`);
    rl.prompt(true);
  };
  chat.on("message", (message: ChatMessage) => {
    if (message.peer === peer) show(formatMessage(message, peerName));
  });
  chat.on("receipt", (message: ChatMessage) => {
    if (message.peer !== peer) return;
    const when = clock(message.deliveredAt ?? Date.now());
    show(`  ✓ delivered ${when}: ${printable(message.text).slice(0, 40)}`);
  });
  const reporter: Reporter = {
    event: (_name, _fields, text) => {
      if (text !== undefined) show(`  ${text.replace(/^walkie: /, "")}`);
    },
    warn: (err) => show(`  ! ${describeError(err).message}`),
  };
  return {
    reporter,
    linked(link) {
      if (peerName === peer.slice(0, 9)) peerName = printable(link.peer.name);
      show(`  ${peerName} is online`);
      link.once("close", () => show(`  ${peerName} went offline; messages wait until it is back`));
    },
    run(finish) {
      show(`chatting with ${peerName}; /history [n], /quit`);
      rl.on("line", (line) => onLine(line, rl, show, chat, peer, () => peerName));
      rl.on("close", () => void finish(0));
      rl.prompt();
    },
  };
}

function onLine(
  line: string,
  rl: Interface,
  show: (line: string) => void,
  chat: ChatService,
  peer: string,
  peerName: () => string,
): void {
  const text = line.trim();
  if (text === "/quit" || text === "/exit") {
    rl.close();
    return;
  }
  if (text === "/history" || text.startsWith("/history ")) {
    const limit = Number(text.slice(8).trim() || "20");
    void chat.history(peer, Number.isInteger(limit) && limit > 0 ? limit : 20).then((messages) => {
      for (const message of messages) show(formatMessage(message, peerName()));
    });
  } else if (text.length > 0) {
    chat.send(peer, line).then(
      (message) => show(formatMessage(message, peerName())),
      (err: unknown) => show(`  ! ${describeError(err).message}`),
    );
  }
  rl.prompt();
}
