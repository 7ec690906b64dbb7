/**
 * `walkie chat` while `walkie up` runs with the same home: the running node
 * holds the link and the history, so the command talks to it instead (its
 * control API to send and read, its event stream for messages and
 * receipts). This has the shape of the chat service that the chat command's
 * modes use: send, history, pending, and `message` / `receipt` events.
 */
import { EventEmitter } from "node:events";
import { WebSocket } from "ws";
import { type ChatMessage, type ControlClient, LinkError } from "../index.js";

export class NodeChat extends EventEmitter {
  private readonly seen = new Set<string>();

  private constructor(
    private readonly control: ControlClient,
    private readonly ws: WebSocket,
  ) {
    super();
    ws.on("message", (data) => {
      const event = JSON.parse(String(data)) as { type: string; message?: ChatMessage };
      const message = event.message;
      if (event.type !== "chat" || message === undefined) return;
      if (message.direction === "in") this.emitOnce(`in:${message.id}`, "message", message);
      else if (message.deliveredAt !== undefined)
        this.emitOnce(`ack:${message.id}`, "receipt", message);
    });
    ws.on("error", () => {});
  }

  /** Opens the node's event stream. @throws LinkError ERR_CONTROL_UNREACHABLE */
  static open(control: ControlClient): Promise<NodeChat> {
    const url = `${control.info.control.replace(/^http/, "ws")}/api/events?token=${encodeURIComponent(control.info.token)}`;
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new NodeChat(control, ws)));
      ws.once("error", (err) =>
        reject(
          new LinkError("ERR_CONTROL_UNREACHABLE", `the running node's events: ${err.message}`, {
            cause: err,
          }),
        ),
      );
    });
  }

  send(peer: string, text: string): Promise<ChatMessage> {
    return this.control.post<ChatMessage>(`/api/chat/${encodeURIComponent(peer)}`, { text });
  }

  async history(peer: string, limit = 1000): Promise<ChatMessage[]> {
    const path = `/api/chat/${encodeURIComponent(peer)}?limit=${Math.min(limit, 1000)}`;
    return (await this.control.get<{ messages: ChatMessage[] }>(path)).messages;
  }

  async pending(peer: string): Promise<ChatMessage[]> {
    const messages = await this.history(peer);
    return messages.filter((m) => m.direction === "out" && m.deliveredAt === undefined);
  }

  close(): void {
    this.ws.close();
  }

  /** Emits each message or receipt once, however often the node reports it. */
  private emitOnce(key: string, event: "message" | "receipt", message: ChatMessage): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.emit(event, message);
  }
}
