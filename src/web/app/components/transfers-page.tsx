/** Transfers: offers to answer, transfers in flight and done. */
export function TransfersPage() {
  return (
    <section class="page">
      <h1>Transfers</h1>
      <p class="muted">No transfers yet.</p>
    </section>
  );
}
