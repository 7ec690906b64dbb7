/**
 * Keeps a chat partner linked while `walkie chat` runs: listens for it
 * (announced on the LAN, only that device accepted) and dials it now and
 * again while no link is up, so either side may start the chat.
 */
import type { Link, WalkieNode } from "../index.js";
import { dialTo } from "./link-options.js";
import type { Reporter } from "./output.js";

export interface PresenceOptions {
  peerId: string;
  /** What the person typed for the peer: a paired name or ID, dialled on the LAN. */
  peerText: string;
  /** Dial this HOST:PORT instead of finding the peer. */
  to?: string;
  /** Listen for the peer (on `port`). */
  listen: boolean;
  port: number;
  /** Whether the peer is paired (else it can only be dialled at --to, or wait for it). */
  paired: boolean;
}

/** How long to wait between dial attempts while the peer is away. */
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 20_000];

export async function keepLinked(
  node: WalkieNode,
  options: PresenceOptions,
  reporter: Reporter,
  onLink: (link: Link) => void,
): Promise<() => void> {
  const live = new Set<Link>();
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const adopt = (link: Link) => {
    if (link.peer.id !== options.peerId || live.has(link)) return;
    live.add(link);
    attempt = 0;
    onLink(link);
    link.once("close", () => {
      live.delete(link);
      if (live.size === 0) schedule(0);
    });
  };
  node.on("link", adopt);
  if (options.listen) {
    const listener = await node.listen({
      port: options.port,
      allow: [options.peerId],
      announce: true,
    });
    reporter.event("listening", { port: listener.port, id: node.id }, undefined);
  }
  const canDial = options.to !== undefined || options.paired;
  const dial = async () => {
    timer = undefined;
    if (stopped || live.size > 0 || !canDial) return;
    try {
      const link = await dialTo(
        node,
        options.to ?? options.peerText,
        options.to ? options.peerId : undefined,
      );
      adopt(link);
    } catch (err: unknown) {
      if (attempt === 0) reporter.warn(err);
      schedule(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!);
      attempt++;
    }
  };
  const schedule = (delay: number) => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => void dial(), delay);
    timer.unref();
  };
  schedule(0);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
