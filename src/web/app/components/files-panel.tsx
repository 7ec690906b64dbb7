/** Sending to one peer: a drop zone and pickers, auto-accept, and the transfers with it. */
import { api } from "../api.js";
import type { PairedPeerView } from "../types.js";
import { filesFromInput, sendToPeer } from "../uploads.js";
import { DropTarget } from "./drop-target.js";
import { UploadIcon } from "./icons.js";
import { notify } from "./notice.js";
import { TransferItem } from "./transfer-item.js";
import { transfers } from "./transfers-state.js";

export function FilesPanel({ peer }: { peer: PairedPeerView }) {
  const mine = transfers.value.filter((t) => t.peerId === peer.id);
  const pick = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const picked = input.files ? filesFromInput(input.files) : [];
    input.value = "";
    if (picked.length > 0) {
      sendToPeer(peer.id, picked).catch((err: Error) =>
        notify(`Could not send to ${peer.name}: ${err.message}`),
      );
    }
  };
  const setAutoAccept = (on: boolean) =>
    api
      .post(`/api/peers/${encodeURIComponent(peer.id)}/settings`, { autoAccept: on })
      .catch((err: Error) => notify(err.message));
  return (
    <div class="files-panel">
      <DropTarget peerId={peer.id} peerName={peer.name} class="drop-zone">
        <UploadIcon />
        <p>
          <strong>Drop files or folders here</strong> to send them to {peer.name}
        </p>
        <div class="pickers">
          <label class="button">
            Choose files
            <input type="file" multiple hidden onChange={pick} data-testid="pick-files" />
          </label>
          <label class="button">
            Choose a folder
            <input
              type="file"
              hidden
              onChange={pick}
              data-testid="pick-folder"
              {...{ webkitdirectory: true }}
            />
          </label>
        </div>
        {!peer.online && (
          <p class="muted small">{peer.name} is offline: files go as soon as it is back.</p>
        )}
      </DropTarget>
      <label class="toggle">
        <input
          type="checkbox"
          checked={peer.autoAccept}
          onChange={(e) => setAutoAccept(e.currentTarget.checked)}
        />
        Accept files from {peer.name} without asking
      </label>
      {mine.length > 0 && (
        <ul class="transfers card">
          {mine.map((t) => (
            <TransferItem key={t.id} transfer={t} showPeer={false} />
          ))}
        </ul>
      )}
    </div>
  );
}
