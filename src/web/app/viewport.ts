/** Whether the window is phone-sized (one column and a tab bar), kept up to date. */
import { signal } from "@preact/signals";

const query = window.matchMedia("(max-width: 760px)");
export const narrow = signal(query.matches);
query.addEventListener("change", () => {
  narrow.value = query.matches;
});
