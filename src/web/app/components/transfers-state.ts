/**
 * File transfers as the node reports them: the snapshot at connect, each
 * change, and the progress of the moving ones once a second.
 */
import { computed, signal } from "@preact/signals";
import { onEvent } from "../state.js";
import type { NodeStatus, TransferView } from "../types.js";

export const transfers = signal<TransferView[]>([]);
export const inbox = signal<string | null>(null);

/** Transfers moving bytes or waiting for an answer here. */
export const activeTransferCount = computed(
  () =>
    transfers.value.filter(
      (t) => t.state === "active" || t.state === "uploading" || t.state === "asking",
    ).length,
);
export const offersWaiting = computed(() => transfers.value.filter((t) => t.state === "asking"));

function upsert(list: TransferView[], changed: TransferView[]): TransferView[] {
  const byId = new Map(list.map((t) => [t.id, t]));
  for (const t of changed) byId.set(t.id, t);
  return [...byId.values()].sort((a, b) => b.startedAt - a.startedAt);
}

onEvent("hello", (message) => {
  const status = message.status as NodeStatus;
  transfers.value = upsert([], status.transfers);
  inbox.value = status.inbox;
});
onEvent("transfer", (message) => {
  transfers.value = upsert(transfers.value, [message.transfer as TransferView]);
});
onEvent("transfers", (message) => {
  transfers.value = upsert(transfers.value, message.transfers as TransferView[]);
});
