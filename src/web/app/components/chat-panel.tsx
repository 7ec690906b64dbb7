/**
 * Chat with one peer: the conversation (ours on the right, with a tick when
 * recorded and two once the peer's receipt came back) and a box to write in.
 * Messages to a peer that is offline wait and go when it is back.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { clock } from "../format.js";
import type { ChatMessage, PairedPeerView } from "../types.js";
import { chats, loadChat, openChat, sendChat } from "./chat-state.js";
import { SendIcon } from "./icons.js";
import { notify } from "./notice.js";

export function ChatPanel({ peer }: { peer: PairedPeerView }) {
  const messages = chats.value[peer.id];
  const [text, setText] = useState("");
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    openChat.value = peer.id;
    loadChat(peer.id).catch((err: Error) => notify(err.message));
    return () => {
      openChat.value = null;
    };
  }, [peer.id]);
  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages?.length]);
  const send = (event: Event) => {
    event.preventDefault();
    const body = text.trim();
    if (body === "") return;
    setText("");
    sendChat(peer.id, body).catch((err: Error) => {
      setText(body);
      notify(err.message);
    });
  };
  return (
    <div class="chat">
      <ol class="messages" ref={list} data-testid="messages" aria-live="polite">
        {messages === undefined && <li class="muted chat-empty">Loading…</li>}
        {messages?.length === 0 && (
          <li class="muted chat-empty">No messages yet. Say hello to {peer.name}.</li>
        )}
        {messages?.map((message) => (
          <Bubble key={message.id} message={message} online={peer.online} />
        ))}
      </ol>
      <form class="composer" onSubmit={send}>
        <textarea
          rows={1}
          value={text}
          placeholder={`Message ${peer.name}`}
          aria-label={`Message ${peer.name}`}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) send(e);
          }}
          data-testid="chat-input"
        />
        <button
          type="submit"
          class="button primary"
          disabled={text.trim() === ""}
          aria-label="Send"
          data-testid="chat-send"
        >
          <SendIcon />
        </button>
      </form>
    </div>
  );
}

function Bubble({ message, online }: { message: ChatMessage; online: boolean }) {
  const mine = message.direction === "out";
  const status = !mine ? "" : message.deliveredAt !== undefined ? "✓✓" : "✓";
  const title = !mine
    ? `Received ${new Date(message.deliveredAt ?? message.at).toLocaleString()}`
    : message.deliveredAt !== undefined
      ? `Delivered ${new Date(message.deliveredAt).toLocaleString()}`
      : online
        ? "Sending…"
        : "Waiting: goes when the device is back online";
  return (
    <li
      class={`bubble ${mine ? "mine" : "theirs"}`}
      data-testid={mine ? "message-out" : "message-in"}
    >
      <span class="bubble-text">{message.text}</span>
      <span class="bubble-meta" title={title}>
        {clock(message.at)}
        {mine && (
          <span
            class={`receipt ${message.deliveredAt !== undefined ? "delivered" : ""}`}
            data-testid="receipt"
            title={title}
          >
            {status}
          </span>
        )}
      </span>
    </li>
  );
}
