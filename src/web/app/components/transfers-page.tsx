/** Transfers: offers waiting for an answer, transfers under way, and the recent ones. */
import { TransferItem } from "./transfer-item.js";
import { inbox, transfers } from "./transfers-state.js";

export function TransfersPage() {
  const all = transfers.value;
  const asking = all.filter((t) => t.state === "asking");
  const current = all.filter(
    (t) => !["asking", "done", "failed", "rejected", "cancelled"].includes(t.state),
  );
  const past = all.filter((t) => ["done", "failed", "rejected", "cancelled"].includes(t.state));
  return (
    <section class="page">
      <h1>Transfers</h1>
      {inbox.value && <p class="muted small">Received files go to {inbox.value}</p>}
      {all.length === 0 && (
        <p class="muted">
          No transfers yet. Drop files on a paired device, or open it and choose files to send.
        </p>
      )}
      <List title="Waiting for your answer" items={asking} />
      <List title="Under way" items={current} />
      <List title="Recent" items={past} />
    </section>
  );
}

function List({ title, items }: { title: string; items: typeof transfers.value }) {
  if (items.length === 0) return null;
  return (
    <>
      <h2>{title}</h2>
      <ul class="transfers card">
        {items.map((t) => (
          <TransferItem key={t.id} transfer={t} />
        ))}
      </ul>
    </>
  );
}
