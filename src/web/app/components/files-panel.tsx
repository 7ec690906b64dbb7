/** Send files to one peer. */
import type { PairedPeerView } from "../types.js";

export function FilesPanel({ peer }: { peer: PairedPeerView }) {
  return <p class="muted">Sending files to {peer.name} is not available in this version.</p>;
}
