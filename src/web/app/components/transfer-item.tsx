/** One transfer: what, with whom, a progress bar with rate and time left, and its actions. */
import { api } from "../api.js";
import { bytes, duration, rate } from "../format.js";
import type { TransferView } from "../types.js";
import { FileIcon, FolderIcon } from "./icons.js";
import { notify } from "./notice.js";

const STATE_TEXT: Record<TransferView["state"], string> = {
  uploading: "Preparing",
  offered: "Waiting for an answer",
  asking: "Wants to send you",
  active: "",
  done: "Done",
  failed: "Failed",
  rejected: "Declined",
  cancelled: "Cancelled",
  waiting: "Waiting for the device to be online",
  interrupted: "Paused: the sender resumes when the link is back",
};

export function TransferItem({
  transfer: t,
  showPeer = true,
}: {
  transfer: TransferView;
  showPeer?: boolean;
}) {
  const act = (action: "accept" | "reject" | "cancel") =>
    api.post(`/api/transfers/${t.id}/${action}`).catch((err: Error) => notify(err.message));
  const total = t.totalBytes ?? 0;
  const percent =
    total > 0 ? Math.min(100, (t.doneBytes / total) * 100) : t.state === "done" ? 100 : 0;
  const moving = t.state === "active" || t.state === "uploading";
  const finished = ["done", "failed", "rejected", "cancelled"].includes(t.state);
  const what =
    t.text !== undefined
      ? "a text"
      : t.names.slice(0, 3).join(", ") + (t.names.length > 3 ? ", …" : "");
  const who = t.direction === "in" ? `from ${t.peerName}` : `to ${t.peerName}`;
  return (
    <li class={`transfer transfer-${t.state}`} data-testid="transfer" data-state={t.state}>
      <span class="transfer-icon">
        {t.files > 1 || t.names.length > 1 ? <FolderIcon /> : <FileIcon />}
      </span>
      <div class="transfer-body">
        <div class="transfer-title">
          <span class="transfer-name">{what || "…"}</span>
          {showPeer && <span class="muted small"> {who}</span>}
        </div>
        <div class="transfer-sub muted small">
          {t.files > 0 && `${t.files} file${t.files === 1 ? "" : "s"} · `}
          {total > 0
            ? moving || t.state === "waiting" || t.state === "interrupted"
              ? `${bytes(t.doneBytes)} of ${bytes(total)}`
              : bytes(total)
            : ""}
          {t.state === "active" && t.rate > 0 && ` · ${rate(t.rate)}`}
          {t.state === "active" && t.etaS !== null && ` · ${duration(t.etaS)} left`}
          {STATE_TEXT[t.state] && (
            <span class={`state state-${t.state}`}> · {STATE_TEXT[t.state]}</span>
          )}
          {t.error && !["done", "rejected", "cancelled"].includes(t.state) && (
            <span class="error"> · {t.error.message}</span>
          )}
          {t.state === "done" && t.direction === "in" && t.savedTo && (
            <span> · saved in {t.savedTo}</span>
          )}
        </div>
        {!finished && t.state !== "asking" && (
          <div
            class="progress"
            role="progressbar"
            aria-valuenow={Math.round(percent)}
            aria-valuemin={0}
            aria-valuemax={100}
          >
            <div class="progress-bar" style={{ width: `${percent}%` }} />
          </div>
        )}
      </div>
      <div class="transfer-actions">
        {t.state === "asking" && (
          <>
            <button
              type="button"
              class="button primary small"
              onClick={() => act("accept")}
              data-testid="accept"
            >
              Accept
            </button>
            <button type="button" class="button small" onClick={() => act("reject")}>
              Decline
            </button>
          </>
        )}
        {!finished && t.state !== "asking" && (
          <button
            type="button"
            class="button subtle small"
            onClick={() => act("cancel")}
            data-testid="cancel"
          >
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}
