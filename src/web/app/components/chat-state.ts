/** Chat messages per peer, and how many arrived unread. Filled from the event stream. */
import { signal } from "@preact/signals";

export interface ChatMessageView {
  id: string;
  peerId: string;
  direction: "in" | "out";
  text: string;
  /** ms since the epoch. */
  t: number;
  state: "queued" | "sent" | "delivered" | "received" | "failed";
}

export const chats = signal<Record<string, ChatMessageView[]>>({});
export const unread = signal<Record<string, number>>({});

export function unreadCount(peerId: string): number {
  return unread.value[peerId] ?? 0;
}
