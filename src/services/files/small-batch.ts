/**
 * Many small files become final in batches: up to a count, a byte total or
 * a few milliseconds' worth, written, fsynced, renamed and their folders
 * fsynced together, so 10,000 files do not cost 10,000 journal commits one
 * after another. At most two batches are in flight; `add` says when to wait.
 */
import { type FinalizeItem, finalizeFiles } from "./finalize.js";

export interface BatchItem extends FinalizeItem {
  index: number;
  size: number;
  sha256: Buffer;
}

const MAX_FILES = 256;
const MAX_BYTES = 8 * 1024 * 1024;
const MAX_DELAY_MS = 15;
const MAX_INFLIGHT = 2;

export class SmallFileBatcher {
  private items: BatchItem[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly onDone: (items: BatchItem[]) => Promise<void> | void,
    private readonly onError: (err: unknown) => void,
    private readonly durable: boolean,
  ) {}

  /** Queues a file; returns a promise to await when batches pile up. @throws the first batch failure */
  add(item: BatchItem): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    this.items.push(item);
    this.bytes += item.size;
    if (this.items.length >= MAX_FILES || this.bytes >= MAX_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), MAX_DELAY_MS);
    if (this.inflight.size >= MAX_INFLIGHT) return this.waitOne();
    return undefined;
  }

  /** Finishes every queued file. @throws the first batch failure */
  async idle(): Promise<void> {
    this.flush();
    await Promise.all(this.inflight);
    if (this.failure !== undefined) throw this.failure;
  }

  private async waitOne(): Promise<void> {
    await Promise.race(this.inflight);
    if (this.failure !== undefined) throw this.failure;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    const run = finalizeFiles(items, this.durable)
      .then(() => this.onDone(items))
      .catch((err: unknown) => {
        if (this.failure !== undefined) return;
        this.failure = err;
        this.onError(err);
      })
      .finally(() => this.inflight.delete(run));
    this.inflight.add(run);
  }
}
