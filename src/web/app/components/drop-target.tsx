/** Wraps a peer: files or folders dropped on it are sent to that peer. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { filesFromDrop, sendToPeer } from "../uploads.js";
import { notify } from "./notice.js";

export function DropTarget({
  peerId,
  peerName,
  children,
  class: className = "",
}: {
  peerId: string;
  peerName: string;
  children: ComponentChildren;
  class?: string;
}) {
  const [over, setOver] = useState(0);
  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;
  return (
    <section
      class={`drop-target ${over > 0 ? "dragging" : ""} ${className}`}
      data-testid={`drop-${peerName}`}
      aria-label={`Drop files here to send them to ${peerName}`}
      onDragEnter={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setOver((n) => n + 1);
      }}
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={() => setOver((n) => Math.max(0, n - 1))}
      onDrop={(event) => {
        event.preventDefault();
        setOver(0);
        const data = event.dataTransfer;
        if (!data) return;
        filesFromDrop(data)
          .then((picked) => {
            if (picked.length === 0) throw new Error("Nothing to send in what was dropped.");
            return sendToPeer(peerId, picked);
          })
          .catch((err: Error) => notify(`Could not send to ${peerName}: ${err.message}`));
      }}
    >
      {children}
    </section>
  );
}
