/**
 * The files side of a running node: the settings (inbox, auto-accept), the
 * transfer desk (receiving into the inbox, sending, answers, cancel, resume)
 * and the outbox (uploads from the web UI), with what they log and count;
 * the send queue that keeps unfinished sends across a restart.
 */
import { WalkieError } from "../../errors.js";
import type { Link } from "../../link/index.js";
import { FILES_SERVICE } from "../../services/files/index.js";
import type { WalkieNode } from "../node.js";
import type { LogBook } from "./log-book.js";
import { type NodeConfig, NodeConfigStore } from "./node-config.js";
import type { NodeMetrics } from "./node-metrics.js";
import { Outbox } from "./outbox.js";
import { SendQueue } from "./send-queue.js";
import { TransferDesk } from "./transfer-desk.js";
import type { TransferView } from "./transfer-record.js";

export interface FilesFrontHooks {
  log: LogBook;
  metrics: NodeMetrics;
  linkFor: (peerId: string) => Link | undefined;
  /** A transfer changed (for the faces). */
  onChange: (view: TransferView) => void;
}

export class FilesFront {
  readonly config: NodeConfigStore;
  private deskValue: TransferDesk | undefined;
  private outboxValue: Outbox | undefined;

  constructor(
    private readonly node: WalkieNode,
    private readonly hooks: FilesFrontHooks,
  ) {
    this.config = new NodeConfigStore(node.home);
  }

  /** Loads the settings and serves the files service (before the node listens). */
  async start(inbox?: string): Promise<NodeConfig> {
    const config = await this.config.load();
    const { log, metrics } = this.hooks;
    const queue = new SendQueue(this.node.home, (err) =>
      log.problem("warn", err, { context: "send queue" }),
    );
    const desk = new TransferDesk({
      queue,
      inbox: inbox ?? config.inbox,
      autoAccept: (peerId) => this.config.value.autoAccept.includes(peerId),
      isPaired: async (peerId) => (await this.node.peers.get(peerId)) !== undefined,
      linkFor: this.hooks.linkFor,
    });
    desk.on("change", (view) => {
      if (view.state === "asking")
        log.info(`${view.peerName} offers ${describe(view)}`, { peerId: view.peerId });
      if (view.state === "waiting" || view.state === "interrupted") {
        log.info(
          `transfer ${view.state === "waiting" ? "to" : "from"} ${view.peerName} paused: ${view.error?.message ?? "offline"}`,
          {
            peerId: view.peerId,
          },
        );
      }
      this.hooks.onChange(view);
    });
    desk.on("finished", ({ view }) => {
      metrics.transferDone(view.direction, view.state, view.doneBytes);
      const what = `${describe(view)} ${view.direction === "in" ? "from" : "to"} ${view.peerName}`;
      if (view.state === "done")
        log.info(`${view.direction === "in" ? "received" : "sent"} ${what}`, {
          peerId: view.peerId,
        });
      else if (view.state === "failed") {
        const err = new WalkieError(
          view.error?.code ?? "ERR_INTERNAL",
          view.error?.message ?? "failed",
        );
        log.problem("warn", err, { peerId: view.peerId, context: `transfer of ${what}` });
      } else log.info(`transfer of ${what} ${view.state}`, { peerId: view.peerId });
    });
    this.node.handle(FILES_SERVICE, desk.handler);
    this.deskValue = desk;
    this.outboxValue = new Outbox(this.node.home, desk);
    const kept = await queue.load();
    for (const problem of kept.problems) log.problem("warn", problem, { context: "send queue" });
    await this.outboxValue.clear(new Set(kept.sends.map((send) => send.staging ?? "")));
    for (const send of kept.sends) desk.restore(send);
    if (kept.sends.length > 0) {
      const peers = new Set(kept.sends.map((send) => send.peerName));
      log.info(
        `${kept.sends.length} send${kept.sends.length === 1 ? "" : "s"} from the last run wait for ${[...peers].join(", ")}`,
      );
    }
    return config;
  }

  /** Before the links close: the send queue keeps what is not over. */
  async close(): Promise<void> {
    await this.deskValue?.close();
  }

  /** Resolves once the send queue is on disk. */
  async flush(): Promise<void> {
    await this.deskValue?.flush();
  }

  get desk(): TransferDesk {
    if (!this.deskValue) throw new Error("the node has not started");
    return this.deskValue;
  }

  get outbox(): Outbox {
    if (!this.outboxValue) throw new Error("the node has not started");
    return this.outboxValue;
  }

  get inbox(): string | undefined {
    return this.deskValue ? this.deskValue.inbox : undefined;
  }

  list(): TransferView[] {
    return this.deskValue?.list() ?? [];
  }

  activeCount(): { in: number; out: number } {
    return this.deskValue?.activeCount() ?? { in: 0, out: 0 };
  }
}

function describe(view: TransferView): string {
  if (view.text !== undefined) return "a text";
  const names = view.names.slice(0, 3).join(", ") + (view.names.length > 3 ? ", …" : "");
  return `${view.files} file${view.files === 1 ? "" : "s"} (${names})`;
}
