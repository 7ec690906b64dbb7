/** Chat with one peer. */
import type { PairedPeerView } from "../types.js";

export function ChatPanel({ peer }: { peer: PairedPeerView }) {
  return <p class="muted">Chat with {peer.name} is not available in this version.</p>;
}
