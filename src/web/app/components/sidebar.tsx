/** This device, the peers, and the other pages. On a phone it is the home page. */
import { href, route } from "../router.js";
import { status } from "../state.js";
import { DeviceCard } from "./device-card.js";
import { LogIcon, MonitorIcon, PairIcon, TransfersIcon } from "./icons.js";
import { PeerList } from "./peer-list.js";
import { activeTransferCount } from "./transfers-state.js";

export function Sidebar() {
  const page = route.value.page;
  const active = activeTransferCount.value;
  return (
    <aside class="sidebar">
      <header class="brand">
        <span class="logo" aria-hidden="true">
          W
        </span>
        <span class="brand-name">Walkie</span>
      </header>
      {status.value && <DeviceCard />}
      <a class="button primary wide" href={href("pair")} data-testid="pair-button">
        <PairIcon /> Pair a device
      </a>
      <PeerList />
      <nav class="side-nav" aria-label="Pages">
        <a href={href("transfers")} class={page === "transfers" ? "current" : ""}>
          <TransfersIcon /> Transfers {active > 0 && <span class="badge">{active}</span>}
        </a>
        <a href={href("monitor")} class={page === "monitor" ? "current" : ""}>
          <MonitorIcon /> Monitor
        </a>
        <a href={href("log")} class={page === "log" ? "current" : ""}>
          <LogIcon /> Log
        </a>
      </nav>
    </aside>
  );
}
