/** One paired device: who and where it is, then chat, files, and its link's figures. */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { ago, ms } from "../format.js";
import { go, href } from "../router.js";
import { peers, watchPeer } from "../state.js";
import { Avatar } from "./avatar.js";
import { ChatPanel } from "./chat-panel.js";
import { FilesPanel } from "./files-panel.js";
import { BackIcon } from "./icons.js";
import { PeerCharts } from "./peer-charts.js";

type Tab = "chat" | "files" | "link";

export function PeerPage({ peerId }: { peerId: string }) {
  const peer = peers.value.paired.find((candidate) => candidate.id === peerId);
  const [tab, setTab] = useState<Tab>("chat");
  useEffect(() => void watchPeer(peerId).catch(() => {}), [peerId]);
  if (peer === undefined) {
    return (
      <section class="page">
        <p class="muted">This device is not paired (any more).</p>
        <a href={href("home")}>Back</a>
      </section>
    );
  }
  const unpair = () => {
    if (
      !confirm(
        `Forget ${peer.name}? It will no longer be able to link with this device until you pair again.`,
      )
    )
      return;
    api.del(`/api/peers/${encodeURIComponent(peer.id)}`).then(() => go("home"));
  };
  const where = peer.online
    ? `Online${peer.address ? ` at ${peer.address}` : ""} · RTT ${ms(peer.rttMs)}`
    : `Offline · last seen ${ago(peer.lastSeenAt)}${peer.lastError ? ` · ${peer.lastError.message}` : ""}`;
  return (
    <section class="page peer-page">
      <header class="peer-header">
        <a class="icon-button back" href={href("home")} aria-label="Back to the peers">
          <BackIcon />
        </a>
        <Avatar name={peer.name} online={peer.online} size={44} />
        <div class="peer-title">
          <h1>{peer.name}</h1>
          <div class={`peer-where ${peer.online ? "online" : ""}`} data-testid="peer-where">
            {where}
          </div>
        </div>
        <button type="button" class="button subtle small" onClick={unpair}>
          Unpair
        </button>
      </header>
      <div class="tabs" role="tablist">
        {(["chat", "files", "link"] as Tab[]).map((name) => (
          <button
            type="button"
            role="tab"
            key={name}
            aria-selected={tab === name}
            class={tab === name ? "current" : ""}
            onClick={() => setTab(name)}
            data-testid={`tab-${name}`}
          >
            {name === "chat" ? "Chat" : name === "files" ? "Files" : "Link"}
          </button>
        ))}
      </div>
      <div class="tab-body">
        {tab === "chat" && <ChatPanel peer={peer} />}
        {tab === "files" && <FilesPanel peer={peer} />}
        {tab === "link" && <PeerCharts peer={peer} />}
      </div>
    </section>
  );
}
