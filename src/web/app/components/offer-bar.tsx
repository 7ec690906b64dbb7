/** Offers waiting for an answer, on every page: who offers what, Accept or Decline. */
import { api } from "../api.js";
import { bytes } from "../format.js";
import { route } from "../router.js";
import { notify } from "./notice.js";
import { offersWaiting } from "./transfers-state.js";

export function OfferBar() {
  const offers = offersWaiting.value;
  if (offers.length === 0 || route.value.page === "transfers") return null;
  return (
    <div class="offer-bar" aria-live="polite">
      {offers.map((t) => {
        const act = (action: "accept" | "reject") =>
          api.post(`/api/transfers/${t.id}/${action}`).catch((err: Error) => notify(err.message));
        const what =
          t.text !== undefined
            ? "a text"
            : `${t.files} file${t.files === 1 ? "" : "s"} (${bytes(t.totalBytes ?? 0)}): ${t.names.slice(0, 3).join(", ")}`;
        return (
          <div class="offer" key={t.id} data-testid="offer">
            <span>
              <strong>{t.peerName}</strong> wants to send you {what}
            </span>
            <span class="offer-actions">
              <button
                type="button"
                class="button primary small"
                onClick={() => act("accept")}
                data-testid="offer-accept"
              >
                Accept
              </button>
              <button type="button" class="button small" onClick={() => act("reject")}>
                Decline
              </button>
            </span>
          </div>
        );
      })}
    </div>
  );
}
