/** A strip at the top when the page has lost its node. */
import { connection } from "../state.js";

export function Banner() {
  const state = connection.value;
  if (state === "open" || state === "connecting") return null;
  const text =
    state === "stopped"
      ? "The node has stopped. Start it again with walkie up; this page reconnects by itself."
      : "Lost the connection to the node. Reconnecting…";
  return (
    <div class={`banner ${state === "stopped" ? "banner-stop" : "banner-warn"}`} role="status">
      {text}
    </div>
  );
}
