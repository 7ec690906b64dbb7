/**
 * The chat service of a node: messages to and from linked peers, each kept
 * on disk (ChatStore), each delivered exactly once. A message is recorded
 * before it is sent; it goes out on the peer's link as soon as there is
 * one, again after every reconnect until the peer's receipt (ACK) comes
 * back, in the order written. The receiver records and acknowledges each id
 * once and acknowledges repeats without showing them again.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { WalkieError, WireError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { StreamResetError } from "../../link/index.js";
import { frameMessage, MessageSplitter } from "../message-framing.js";
import { type IncomingMessage, serveIncoming } from "./incoming.js";
import {
  ChatMessageType,
  checkText,
  decodeChatMessage,
  encodeChatMessage,
  MAX_CHAT_MESSAGE,
} from "./messages.js";
import { type ChatMessage, ChatStore } from "./store.js";

/** Mux service name of chat streams. */
export const CHAT_SERVICE = "chat";

export interface ChatServiceOptions {
  /** Folder of the history files (one per peer). */
  dir: string;
  /** How long an idle outgoing stream stays open. @default 200 */
  lingerMs?: number;
}

interface PeerState {
  /** Our messages without a receipt, oldest first. */
  pending: ChatMessage[];
  /** Ids of messages that came in (for exactly-once). */
  received: Set<string>;
}

/** The stream we send our messages on, over one link. */
interface Outbound {
  link: Link;
  stream: MuxStream;
  sent: Set<string>;
  linger: NodeJS.Timeout | undefined;
}

/**
 * Events: `message` (ChatMessage) for each new message from a peer;
 * `receipt` (ChatMessage, with `deliveredAt`) when a peer confirms one of
 * ours; `warning` (WalkieError) for trouble that stops nothing (a peer that
 * does not serve chat, a malformed message).
 */
export class ChatService extends EventEmitter {
  readonly store: ChatStore;
  private readonly lingerMs: number;
  private readonly states = new Map<string, Promise<PeerState>>();
  private readonly links = new Map<string, Set<Link>>();
  private readonly outbound = new Map<string, Outbound>();
  /** Links whose peer answered that it serves no chat. */
  private readonly noChat = new WeakSet<Link>();

  constructor(options: ChatServiceOptions) {
    super();
    this.store = new ChatStore(options.dir);
    this.lingerMs = options.lingerMs ?? 200;
  }

  /**
   * Writes a message to `peer` (a device ID): recorded and, if a link to it
   * is up, sent at once; otherwise sent when a link comes up. Resolves with
   * the message once recorded.
   * @throws WalkieError ERR_CHAT_EMPTY, ERR_CHAT_INVALID_TEXT, ERR_CHAT_TOO_LARGE
   */
  async send(peer: string, text: string): Promise<ChatMessage> {
    checkText(text);
    const message: ChatMessage = { id: randomUUID(), peer, direction: "out", at: Date.now(), text };
    const state = await this.state(peer);
    // Recorded and sent at once: the disk write does not delay a message on
    // a busy link. Were we to crash between the two, the peer would have it
    // and our history not: still delivered once.
    const recorded = this.store.addOutgoing(message);
    state.pending.push(message);
    this.flush(peer);
    try {
      await recorded;
    } catch (err: unknown) {
      throw new WalkieError("ERR_CHAT_STORE", `cannot record the message: ${String(err)}`, {
        cause: err,
      });
    }
    return message;
  }

  /** The last `limit` messages with `peer`, oldest first (all if no limit). */
  async history(peer: string, limit?: number): Promise<ChatMessage[]> {
    const { messages } = await this.store.load(peer);
    return limit === undefined ? messages : messages.slice(Math.max(0, messages.length - limit));
  }

  /** Our messages to `peer` still waiting for a receipt. */
  async pending(peer: string): Promise<ChatMessage[]> {
    return [...(await this.state(peer)).pending];
  }

  /** A link came up: send what waits for its peer (re-read from disk: another process may have queued some). */
  linkUp(link: Link): void {
    const peer = link.peer.id;
    let set = this.links.get(peer);
    if (set === undefined) {
      set = new Set();
      this.links.set(peer, set);
    }
    set.add(link);
    link.once("close", () => {
      set.delete(link);
      if (set.size === 0) this.links.delete(peer);
    });
    this.reload(peer)
      .then(() => this.flush(peer))
      .catch((err: unknown) => this.warn(err));
  }

  /** Serves a chat stream the peer opened: its messages in, our receipts out. */
  serve(stream: MuxStream, link: Link): void {
    const peer = link.peer.id;
    serveIncoming(stream, {
      receive: (message) => this.receive(peer, message),
      warn: (err) => this.warn(err),
    });
  }

  private async receive(peer: string, wire: IncomingMessage) {
    const state = await this.state(peer);
    if (state.received.has(wire.id)) return;
    state.received.add(wire.id);
    const message: ChatMessage = {
      id: wire.id,
      peer,
      direction: "in",
      at: wire.at,
      text: wire.text,
      deliveredAt: Date.now(),
    };
    await this.store.addIncoming(message);
    this.emit("message", message);
  }

  /** Sends every pending message to `peer` that the current stream has not carried yet. */
  private flush(peer: string): void {
    const statePromise = this.states.get(peer);
    if (statePromise === undefined) return;
    statePromise
      .then((state) => {
        if (state.pending.length === 0) return;
        const out = this.outboundFor(peer);
        if (out === undefined) return;
        clearTimeout(out.linger);
        out.linger = undefined;
        for (const message of state.pending) {
          if (out.sent.has(message.id)) continue;
          out.sent.add(message.id);
          const wire = {
            type: ChatMessageType.Msg,
            id: message.id,
            at: message.at,
            text: message.text,
          } as const;
          out.stream.write(frameMessage(encodeChatMessage(wire)));
        }
      })
      .catch((err: unknown) => this.warn(err));
  }

  /** The open outgoing stream to `peer`, or a new one on one of its links. */
  private outboundFor(peer: string): Outbound | undefined {
    const current = this.outbound.get(peer);
    if (current !== undefined && !current.link.closed) return current;
    const link = [...(this.links.get(peer) ?? [])].find((l) => !l.closed && !this.noChat.has(l));
    if (link === undefined) return undefined;
    let stream: MuxStream;
    try {
      stream = link.openStream(CHAT_SERVICE);
    } catch (err: unknown) {
      this.warn(err);
      return undefined;
    }
    const out: Outbound = { link, stream, sent: new Set(), linger: undefined };
    this.outbound.set(peer, out);
    const splitter = new MessageSplitter({
      maxSize: MAX_CHAT_MESSAGE,
      tooLargeCode: "ERR_CHAT_TOO_LARGE",
    });
    const forget = () => {
      clearTimeout(out.linger);
      if (this.outbound.get(peer) === out) this.outbound.delete(peer);
    };
    stream.on("data", (chunk: Buffer) => {
      try {
        for (const body of splitter.push(chunk)) {
          const message = decodeChatMessage(body);
          if (message.type !== ChatMessageType.Ack) {
            throw new WireError("ERR_CHAT_INVALID", "a message came on the sending side");
          }
          this.acknowledged(peer, message.id, out);
        }
      } catch (err: unknown) {
        forget();
        stream.reset(err instanceof WalkieError ? err.code : "ERR_CHAT_INVALID");
        this.warn(err);
      }
    });
    stream.on("error", (err: Error) => {
      forget();
      if (err instanceof StreamResetError && err.remoteCode === "ERR_UNKNOWN_SERVICE") {
        this.noChat.add(link);
        this.warn(
          new WalkieError(
            "ERR_CHAT_UNSUPPORTED",
            `${link.peer.name} does not take chat messages now`,
          ),
        );
      }
    });
    stream.on("close", forget);
    // The peer ended early: what it did not confirm goes out with the next message or link.
    stream.on("end", forget);
    return out;
  }

  private acknowledged(peer: string, id: string, out: Outbound): void {
    const state = this.states.get(peer);
    void state
      ?.then(async (s) => {
        const index = s.pending.findIndex((m) => m.id === id);
        if (index < 0) return;
        const [message] = s.pending.splice(index, 1);
        message!.deliveredAt = Date.now();
        // Shown at once; if the record is lost (a crash), the message goes again and the peer drops the repeat.
        this.emit("receipt", message);
        await this.store.addReceipt(peer, id, message!.deliveredAt);
        if (s.pending.length === 0 && this.outbound.get(peer) === out)
          this.scheduleLinger(peer, out);
      })
      .catch((err: unknown) => this.warn(err));
  }

  /** Ends an idle outgoing stream, so a graceful link close is not held up. */
  private scheduleLinger(peer: string, out: Outbound): void {
    clearTimeout(out.linger);
    out.linger = setTimeout(() => {
      if (this.outbound.get(peer) !== out) return;
      this.outbound.delete(peer);
      out.stream.end();
    }, this.lingerMs);
  }

  private state(peer: string): Promise<PeerState> {
    let state = this.states.get(peer);
    if (state === undefined) {
      state = this.store.load(peer).then(({ pending, received }) => ({ pending, received }));
      this.states.set(peer, state);
      state.catch(() => this.states.delete(peer));
    }
    return state;
  }

  /** Merges what another process recorded since we last read the file. */
  private async reload(peer: string): Promise<void> {
    const state = await this.state(peer);
    const disk = await this.store.load(peer);
    for (const id of disk.received) state.received.add(id);
    // Receipts another process recorded: those are done. (A message missing
    // from this read may just have been written since: it stays.)
    const delivered = new Set(
      disk.messages
        .filter((m) => m.direction === "out" && m.deliveredAt !== undefined)
        .map((m) => m.id),
    );
    state.pending = state.pending.filter((m) => !delivered.has(m.id));
    const known = new Set(state.pending.map((m) => m.id));
    for (const message of disk.pending) if (!known.has(message.id)) state.pending.push(message);
    state.pending.sort((x, y) => x.at - y.at);
  }

  /** Closes the history files kept open. */
  close(): Promise<void> {
    return this.store.close();
  }

  private warn(err: unknown): void {
    this.emit(
      "warning",
      err instanceof WalkieError
        ? err
        : new WalkieError("ERR_CHAT_STORE", `chat: ${String(err)}`, { cause: err }),
    );
  }
}
