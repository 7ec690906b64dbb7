/**
 * Paired peers (online first: address and RTT; offline: when last seen) and
 * the unpaired Walkie devices on the LAN. A paired peer is also a drop
 * target: files dropped on it are sent to it.
 */
import { ago, ms } from "../format.js";
import { href, route } from "../router.js";
import { peers } from "../state.js";
import { Avatar } from "./avatar.js";
import { unreadCount } from "./chat-state.js";
import { DropTarget } from "./drop-target.js";

export function PeerList() {
  const { paired, lan } = peers.value;
  const selected = route.value.page === "peer" ? route.value.peerId : undefined;
  const sorted = [...paired].sort(
    (a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name),
  );
  return (
    <section class="peer-list" aria-label="Peers">
      <h2 class="section-title">Paired devices</h2>
      {sorted.length === 0 && (
        <p class="muted small empty-peers">No paired devices yet. Pair one with a code.</p>
      )}
      <ul>
        {sorted.map((peer) => {
          const unread = unreadCount(peer.id);
          return (
            <li key={peer.id}>
              <DropTarget peerId={peer.id} peerName={peer.name}>
                <a
                  class={`peer-row ${selected === peer.id ? "selected" : ""}`}
                  href={href("peer", peer.id)}
                  data-testid={`peer-${peer.name}`}
                >
                  <Avatar name={peer.name} online={peer.online} />
                  <span class="peer-text">
                    <span class="peer-name">{peer.name}</span>
                    <span class="peer-sub">
                      {peer.online
                        ? `Online · ${ms(peer.rttMs)}`
                        : `Offline · seen ${ago(peer.lastSeenAt)}`}
                    </span>
                  </span>
                  {unread > 0 && <span class="badge">{unread}</span>}
                </a>
              </DropTarget>
            </li>
          );
        })}
      </ul>
      {lan.length > 0 && (
        <>
          <h2 class="section-title">On this network</h2>
          <ul>
            {lan.map((device) => (
              <li key={device.shortId} class="lan-row">
                <Avatar name={device.name} size={28} />
                <span class="peer-text">
                  <span class="peer-name">{device.name}</span>
                  <span class="peer-sub">
                    {device.nameplate !== null ? "Waiting with a pairing code" : "Not paired"}
                  </span>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
