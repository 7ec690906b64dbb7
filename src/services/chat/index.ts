/**
 * The chat service: text messages between linked peers, with ids, times and
 * delivery receipts, history on disk per peer, and a queue for a peer that
 * is offline (docs/PROTOCOL.md, "chat"). The node creates it on first use
 * (`node.chat`); it knows links and streams, and the files of its history.
 */

export { checkText, MAX_CHAT_TEXT } from "./messages.js";
export { CHAT_SERVICE, ChatService, type ChatServiceOptions } from "./service.js";
export { type ChatMessage, ChatStore } from "./store.js";
