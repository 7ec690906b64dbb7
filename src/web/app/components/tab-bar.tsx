/** The bottom tab bar of a phone-sized window. */
import { href, route } from "../router.js";
import { LogIcon, MonitorIcon, PairIcon, PeersIcon, TransfersIcon } from "./icons.js";
import { activeTransferCount } from "./transfers-state.js";

export function TabBar() {
  const page = route.value.page;
  const tab = (
    target: "home" | "pair" | "transfers" | "monitor" | "log",
    label: string,
    icon: preact.JSX.Element,
  ) => (
    <a
      href={href(target)}
      class={page === target || (target === "home" && page === "peer") ? "current" : ""}
    >
      {icon}
      <span>{label}</span>
      {target === "transfers" && activeTransferCount.value > 0 && (
        <span class="badge">{activeTransferCount.value}</span>
      )}
    </a>
  );
  return (
    <nav class="tab-bar" aria-label="Pages">
      {tab("home", "Peers", <PeersIcon />)}
      {tab("pair", "Pair", <PairIcon />)}
      {tab("transfers", "Transfers", <TransfersIcon />)}
      {tab("monitor", "Monitor", <MonitorIcon />)}
      {tab("log", "Log", <LogIcon />)}
    </nav>
  );
}
