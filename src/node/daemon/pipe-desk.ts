/**
 * Pipes through a running node: `walkie pipe --to PEER` and `walkie pipe
 * --listen` in another process on the same home go through the node's links
 * (over its control API, see src/web/pipe-socket.ts) instead of making
 * their own, so one device answers on one port and one mDNS name. A pipe a
 * peer opens is taken by a local command that waits for it; with none
 * waiting it is refused with ERR_NOT_LISTENING.
 */
import { LinkError } from "../../errors.js";
import type { Link, MuxStream } from "../../link/index.js";
import { PIPE_SERVICE } from "../../services/pipe.js";
import type { WalkieNode } from "../node.js";
import { resolvePeer } from "../resolve-peer.js";

/** A pipe stream and the link it runs on. */
export interface DeskPipe {
  stream: MuxStream;
  link: Link;
}

interface Waiter {
  /** Device IDs that may connect; undefined: any paired peer. */
  allow: ReadonlySet<string> | undefined;
  take: (pipe: DeskPipe) => void;
}

export class PipeDesk {
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly node: WalkieNode,
    private readonly linkFor: (peerId: string) => Link | undefined,
  ) {
    node.handle(PIPE_SERVICE, (stream, link) => this.incoming(stream, link));
  }

  /** Commands waiting for a pipe now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Opens a pipe to the paired peer `peer` (name, ID or prefix) on its open
   * link, dialling it if there is none.
   * @throws ConfigError ERR_UNKNOWN_PEER and the dialling errors
   */
  async open(peer: string): Promise<DeskPipe> {
    const paired = resolvePeer(await this.node.peers.list(), peer);
    const link = this.linkFor(paired.id) ?? (await this.node.dialPeer(paired.id));
    return { link, stream: link.openStream(PIPE_SERVICE) };
  }

  /**
   * Takes the next pipe that one of `allow` (paired peers by name, ID or
   * prefix; default: any paired peer) opens. Rejects with ERR_CANCELLED when
   * `signal` aborts. @throws ConfigError ERR_UNKNOWN_PEER
   */
  async accept(allow: readonly string[] | undefined, signal: AbortSignal): Promise<DeskPipe> {
    const paired = await this.node.peers.list();
    const ids = allow?.map((text) => resolvePeer(paired, text).id);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        allow: ids === undefined ? undefined : new Set(ids),
        take: (pipe) => {
          signal.removeEventListener("abort", cancel);
          resolve(pipe);
        },
      };
      const cancel = () => {
        this.waiters.delete(waiter);
        reject(new LinkError("ERR_CANCELLED", "stopped waiting for a pipe"));
      };
      if (signal.aborted) return cancel();
      signal.addEventListener("abort", cancel, { once: true });
      this.waiters.add(waiter);
    });
  }

  private incoming(stream: MuxStream, link: Link): void {
    for (const waiter of this.waiters) {
      if (waiter.allow !== undefined && !waiter.allow.has(link.peer.id)) continue;
      this.waiters.delete(waiter);
      waiter.take({ stream, link });
      return;
    }
    stream.reset("ERR_NOT_LISTENING");
  }
}
