/** Pages by the address's fragment (`#/peer/ID`, `#/monitor`...), so Back works and reloads stay put. */
import { signal } from "@preact/signals";

export type Page = "home" | "peer" | "pair" | "transfers" | "monitor" | "log";

export interface Route {
  page: Page;
  peerId?: string;
}

const PAGES: Page[] = ["home", "peer", "pair", "transfers", "monitor", "log"];

function parse(hash: string): Route {
  const [page, id] = hash.replace(/^#\/?/, "").split("/");
  if (page === "peer" && id) return { page: "peer", peerId: decodeURIComponent(id) };
  return PAGES.includes(page as Page) && page !== "peer"
    ? { page: page as Page }
    : { page: "home" };
}

export const route = signal<Route>(parse(location.hash));

window.addEventListener("hashchange", () => {
  route.value = parse(location.hash);
});

export function go(page: Page, peerId?: string): void {
  location.hash = peerId ? `#/${page}/${encodeURIComponent(peerId)}` : `#/${page}`;
}

export function href(page: Page, peerId?: string): string {
  return peerId ? `#/${page}/${encodeURIComponent(peerId)}` : `#/${page}`;
}
