/**
 * How chat looks in a terminal: one line per message with its time, safe
 * to print whatever the peer sent (control characters, which could move
 * the cursor or recolour the terminal, are shown as visible escapes).
 */
import type { ChatMessage } from "../index.js";

/** `text` with C0/C1 control characters (and DEL) made visible, newlines kept as ⏎. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) =>
    ch === "\n"
      ? "⏎ "
      : ch === "\t"
        ? "    "
        : `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** "14:03:27" in local time. */
export function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/** One line for a message: time, who, text, and ✓ once delivered. */
export function formatMessage(message: ChatMessage, peerName: string): string {
  const who = message.direction === "in" ? peerName : "me";
  const tick = message.direction === "out" ? (message.deliveredAt !== undefined ? " ✓" : " …") : "";
  return `[${clock(message.at)}] ${who}: ${printable(message.text)}${tick}`;
}

/** A message as an NDJSON event for --json. */
export function messageEvent(event: string, message: ChatMessage): Record<string, unknown> {
  return {
    event,
    id: message.id,
    peer: message.peer,
    direction: message.direction,
    at: message.at,
    text: message.text,
    deliveredAt: message.deliveredAt,
  };
}
