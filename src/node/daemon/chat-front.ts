/**
 * Chat while a node runs, over the node's chat service: the history with a
 * peer, sending (recorded at once, delivered when linked), and each new
 * message or receipt as an event for the faces.
 */
import type { ChatMessage, ChatService } from "../../services/chat/index.js";
import type { WalkieNode } from "../node.js";
import type { NodeMetrics } from "./node-metrics.js";

export interface ChatFrontHooks {
  metrics: NodeMetrics;
  /** A message was written, came in, or got its receipt. */
  onMessage: (message: ChatMessage) => void;
}

export class ChatFront {
  private service: ChatService | undefined;

  constructor(
    private readonly node: WalkieNode,
    private readonly hooks: ChatFrontHooks,
  ) {}

  /** Starts serving chat (before the node listens, so no message is refused). */
  start(): void {
    if (this.service) return;
    const chat = this.node.chat;
    chat.on("message", (message: ChatMessage) => {
      this.hooks.metrics.chat("in");
      this.hooks.onMessage(message);
    });
    chat.on("receipt", (message: ChatMessage) => this.hooks.onMessage(message));
    this.service = chat;
  }

  /** Writes a message to a paired peer. @throws WalkieError ERR_CHAT_EMPTY, ERR_CHAT_TOO_LARGE, ... */
  async send(peerId: string, text: string): Promise<ChatMessage> {
    const message = await this.chat.send(peerId, text);
    this.hooks.metrics.chat("out");
    this.hooks.onMessage(message);
    return message;
  }

  /** The last `limit` messages with the peer, oldest first. */
  history(peerId: string, limit = 200): Promise<ChatMessage[]> {
    return this.chat.history(peerId, limit);
  }

  private get chat(): ChatService {
    this.start();
    return this.service!;
  }
}
