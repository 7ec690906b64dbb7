/**
 * Chat per peer: the history (loaded when a conversation opens, then kept
 * up to date from the event stream: new messages and receipts) and how many
 * messages came in unread.
 */
import { signal } from "@preact/signals";
import { api } from "../api.js";
import { route } from "../router.js";
import { onEvent } from "../state.js";
import type { ChatMessage } from "../types.js";

export const chats = signal<Record<string, ChatMessage[]>>({});
export const unread = signal<Record<string, number>>({});
/** The conversation on screen, if any (its messages are read as they come). */
export const openChat = signal<string | null>(null);

export function unreadCount(peerId: string): number {
  return unread.value[peerId] ?? 0;
}

/** Loads a conversation (once) and marks it read. */
export async function loadChat(peerId: string): Promise<void> {
  unread.value = { ...unread.value, [peerId]: 0 };
  if (chats.value[peerId]) return;
  const { messages } = await api.get<{ messages: ChatMessage[] }>(
    `/api/chat/${encodeURIComponent(peerId)}?limit=200`,
  );
  // Messages that arrived while loading are kept.
  merge(peerId, messages, chats.value[peerId] ?? []);
}

export function sendChat(peerId: string, text: string): Promise<ChatMessage> {
  return api.post<ChatMessage>(`/api/chat/${encodeURIComponent(peerId)}`, { text });
}

function merge(peerId: string, ...lists: ChatMessage[][]): void {
  const byId = new Map<string, ChatMessage>();
  for (const list of lists)
    for (const message of list) byId.set(message.id, { ...byId.get(message.id), ...message });
  const sorted = [...byId.values()].sort((a, b) => a.at - b.at);
  chats.value = { ...chats.value, [peerId]: sorted };
}

onEvent("chat", (event) => {
  const message = event.message as ChatMessage;
  const known = chats.value[message.peer];
  if (known) merge(message.peer, known, [message]);
  const reading =
    openChat.value === message.peer && route.value.page === "peer" && document.hasFocus();
  if (message.direction === "in" && !reading && !known?.some((m) => m.id === message.id)) {
    unread.value = { ...unread.value, [message.peer]: unreadCount(message.peer) + 1 };
  }
});
