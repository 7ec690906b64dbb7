/**
 * What faces show about peers: every paired peer (online or not, where, its
 * RTT, when last seen, why it cannot be reached) and the Walkie devices on
 * the LAN that are not paired. Plain JSON, built from the peer store, the
 * keeper, the LAN watch and the latest stats tick.
 */
import type { DiscoveredPeer } from "../../discovery/index.js";
import { lanShortId } from "../lan.js";
import type { PairedPeer } from "../peer-store.js";
import type { LinkSample } from "./monitor.js";
import type { KeptPeer } from "./peer-keeper.js";

export interface PairedPeerView {
  id: string;
  name: string;
  online: boolean;
  /** Where the link goes (or where the LAN announces it), if known. */
  address: string | null;
  onLan: boolean;
  rttMs: number | null;
  links: number;
  bytesIn: number;
  bytesOut: number;
  rateIn: number;
  rateOut: number;
  streams: number;
  pairedAt: string;
  lastSeenAt: string | null;
  failures: number;
  nextDialAt: number | null;
  lastError: { code: string; message: string } | null;
  /** Files from it are accepted without asking. */
  autoAccept: boolean;
}

export interface LanDeviceView {
  name: string;
  shortId: string;
  address: string | null;
  /** Set while the device waits with a pairing code. */
  nameplate: number | null;
}

export interface PeersView {
  paired: PairedPeerView[];
  lan: LanDeviceView[];
}

export function buildPeersView(
  paired: readonly PairedPeer[],
  kept: readonly KeptPeer[],
  lan: readonly DiscoveredPeer[],
  links: readonly LinkSample[],
  autoAccept: readonly string[] = [],
): PeersView {
  const keptById = new Map(kept.map((peer) => [peer.id, peer]));
  const lanByShortId = new Map(lan.map((found) => [found.shortId, found]));
  const pairedShortIds = new Set<string>();
  const views = paired.map((peer): PairedPeerView => {
    const short = lanShortId(peer.id);
    pairedShortIds.add(short);
    const found = lanByShortId.get(short);
    const own = links.filter((link) => link.peerId === peer.id);
    const rtts = own.map((link) => link.rttMs).filter((rtt): rtt is number => rtt !== null);
    const state = keptById.get(peer.id);
    const sum = (pick: (link: LinkSample) => number) => own.reduce((n, l) => n + pick(l), 0);
    return {
      id: peer.id,
      name: peer.name,
      online: own.length > 0,
      address: own[0]?.remoteAddress ?? (found ? lanAddress(found) : null),
      onLan: found !== undefined,
      rttMs: rtts.length > 0 ? Math.min(...rtts) : null,
      links: own.length,
      bytesIn: sum((l) => l.bytesIn),
      bytesOut: sum((l) => l.bytesOut),
      rateIn: sum((l) => l.rateIn),
      rateOut: sum((l) => l.rateOut),
      streams: sum((l) => l.streams),
      pairedAt: peer.pairedAt,
      lastSeenAt: own.length > 0 ? new Date().toISOString() : peer.lastSeenAt,
      failures: state?.failures ?? 0,
      nextDialAt: own.length > 0 ? null : (state?.nextDialAt ?? null),
      lastError: own.length > 0 ? null : (state?.lastError ?? null),
      autoAccept: autoAccept.includes(peer.id),
    };
  });
  const others = lan
    .filter((found) => !pairedShortIds.has(found.shortId))
    .map((found) => ({
      name: found.name,
      shortId: found.shortId.toUpperCase(),
      address: lanAddress(found),
      nameplate: found.nameplate,
    }));
  return { paired: views, lan: others };
}

function lanAddress(found: DiscoveredPeer): string | null {
  const host = found.addresses.find((a) => !/^fe[89ab]/i.test(a)) ?? found.addresses[0];
  if (host === undefined) return null;
  return host.includes(":") ? `[${host}]:${found.port}` : `${host}:${found.port}`;
}
