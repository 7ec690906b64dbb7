/** A short message at the top of the page (an error of an action), gone after a while. */
import { signal } from "@preact/signals";

const current = signal<{ text: string; kind: "error" | "info" } | null>(null);
let timer: number | undefined;

export function notify(text: string, kind: "error" | "info" = "error"): void {
  current.value = { text, kind };
  clearTimeout(timer);
  timer = window.setTimeout(() => {
    current.value = null;
  }, 6000);
}

export function Notice() {
  const notice = current.value;
  if (notice === null) return null;
  return (
    <div class={`notice notice-${notice.kind}`} role="alert" data-testid="notice">
      {notice.text}
      <button
        type="button"
        class="icon-button"
        aria-label="Dismiss"
        onClick={() => (current.value = null)}
      >
        ×
      </button>
    </div>
  );
}
