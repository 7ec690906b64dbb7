/** File transfers in flight and done, and offers waiting for an answer. */
import { computed, signal } from "@preact/signals";

export interface TransferView {
  id: string;
  state: string;
}

export const transfers = signal<TransferView[]>([]);
export const activeTransferCount = computed(
  () => transfers.value.filter((t) => t.state === "active").length,
);
