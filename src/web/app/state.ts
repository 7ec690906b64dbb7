/**
 * The app's state, as signals: what the node told us (status, peers, log,
 * pairing), the live series for the charts, and the connection to the node.
 * Components read these; only the event handlers below write them.
 */
import { batch, signal } from "@preact/signals";
import { api } from "./api.js";
import type { History, LogEntry, NodeStatus, PairingState, PeersView, Tick } from "./types.js";

export type Connection = "connecting" | "open" | "closed" | "refused" | "stopped";

export const connection = signal<Connection>("connecting");
export const status = signal<NodeStatus | null>(null);
export const peers = signal<PeersView>({ paired: [], lan: [] });
export const pairing = signal<PairingState>({ state: "idle" });
export const logEntries = signal<LogEntry[]>([]);
export const lastTick = signal<Tick | null>(null);

/** Points kept per series on this page (1 per second: 5 minutes). */
const KEEP = 300;
/** All links together, and one series per peer that a chart has shown. */
export const totalSeries = signal<History>(emptyHistory());
export const peerSeries = signal<Record<string, History>>({});

export function emptyHistory(): History {
  return { t: [], rateIn: [], rateOut: [], rttMs: [], streams: [] };
}

type Message = { type: string } & Record<string, unknown>;

/** Applies one message of the event stream. */
export function applyEvent(message: Message): void {
  switch (message.type) {
    case "hello": {
      const snapshot = message.status as NodeStatus;
      batch(() => {
        status.value = snapshot;
        peers.value = snapshot.peers;
        pairing.value = snapshot.pairing;
        logEntries.value = message.log as LogEntry[];
        for (const handler of eventHandlers.get("hello") ?? []) handler(message);
      });
      void loadHistory();
      break;
    }
    case "tick":
      onTick(message.tick as Tick);
      break;
    case "peers":
      peers.value = message.peers as PeersView;
      break;
    case "pairing":
      pairing.value = message.pairing as PairingState;
      break;
    case "log":
      logEntries.value = [...logEntries.value.slice(-499), message.entry as LogEntry];
      break;
    case "shutdown":
      connection.value = "stopped";
      break;
    default:
      for (const handler of eventHandlers.get(message.type) ?? []) handler(message);
  }
}

/** Other parts of the app (chat, transfers) register for their own event types. */
const eventHandlers = new Map<string, Set<(message: Message) => void>>();
export function onEvent(type: string, handler: (message: Message) => void): void {
  const set = eventHandlers.get(type) ?? new Set();
  set.add(handler);
  eventHandlers.set(type, set);
}

function onTick(tick: Tick): void {
  batch(() => {
    lastTick.value = tick;
    totalSeries.value = append(totalSeries.value, tick.t, {
      rateIn: tick.rateIn,
      rateOut: tick.rateOut,
      rttMs: null,
      streams: tick.streams,
    });
    const next: Record<string, History> = {};
    for (const [peerId, history] of Object.entries(peerSeries.value)) {
      const own = tick.links.filter((link) => link.peerId === peerId);
      const rtts = own.map((l) => l.rttMs).filter((rtt): rtt is number => rtt !== null);
      next[peerId] = append(history, tick.t, {
        rateIn: own.length ? own.reduce((n, l) => n + l.rateIn, 0) : null,
        rateOut: own.length ? own.reduce((n, l) => n + l.rateOut, 0) : null,
        rttMs: rtts.length ? Math.min(...rtts) : null,
        streams: own.length ? own.reduce((n, l) => n + l.streams, 0) : null,
      });
    }
    peerSeries.value = next;
  });
}

function append(
  history: History,
  t: number,
  values: {
    rateIn: number | null;
    rateOut: number | null;
    rttMs: number | null;
    streams: number | null;
  },
): History {
  const cut = <T>(list: T[], value: T) => [...list.slice(-(KEEP - 1)), value];
  return {
    t: cut(history.t, t),
    rateIn: cut(history.rateIn, values.rateIn),
    rateOut: cut(history.rateOut, values.rateOut),
    rttMs: cut(history.rttMs, values.rttMs),
    streams: cut(history.streams, values.streams),
  };
}

async function loadHistory(): Promise<void> {
  totalSeries.value = await api.get<History>("/api/history");
  const ids = Object.keys(peerSeries.value);
  const loaded = await Promise.all(ids.map((id) => api.get<History>(`/api/history?peer=${id}`)));
  peerSeries.value = Object.fromEntries(ids.map((id, i) => [id, loaded[i]!]));
}

/** Starts keeping a peer's series (loading what the node kept). */
export async function watchPeer(peerId: string): Promise<void> {
  if (peerSeries.value[peerId]) return;
  peerSeries.value = { ...peerSeries.value, [peerId]: emptyHistory() };
  const history = await api.get<History>(`/api/history?peer=${encodeURIComponent(peerId)}`);
  peerSeries.value = { ...peerSeries.value, [peerId]: history };
}
