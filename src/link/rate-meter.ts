import { performance } from "node:perf_hooks";

const BUCKET_MS = 250;
const BUCKETS = 8;

/**
 * Bytes per second over the last two seconds, from quarter-second buckets:
 * O(1) per sample on the hot path, no timer.
 */
export class RateMeter {
  private readonly buckets = new Float64Array(BUCKETS);
  private current = Math.floor(performance.now() / BUCKET_MS);

  add(bytes: number, now = performance.now()): void {
    this.advance(now);
    this.buckets[this.current % BUCKETS]! += bytes;
  }

  /** Bytes per second over the last full buckets (the one being filled is left out). */
  rate(now = performance.now()): number {
    this.advance(now);
    let sum = 0;
    for (let i = 1; i < BUCKETS; i++) sum += this.buckets[(this.current - i + BUCKETS) % BUCKETS]!;
    return (sum * 1000) / ((BUCKETS - 1) * BUCKET_MS);
  }

  private advance(now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    if (bucket === this.current) return;
    const steps = Math.min(bucket - this.current, BUCKETS);
    for (let i = 1; i <= steps; i++) this.buckets[(this.current + i) % BUCKETS] = 0;
    this.current = bucket;
  }
}
