/** Retry delays: exponential with full jitter in [0.5, 1] of the step, capped. */

export interface BackoffOptions {
  /** @default 1000 */
  minDelayMs?: number;
  /** @default 60000 */
  maxDelayMs?: number;
}

/** The delay before retry number `failures` (1 for the first retry). */
export function backoffDelay(
  failures: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const min = options.minDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 60_000;
  const step = Math.min(max, min * 2 ** Math.max(0, failures - 1));
  return Math.round(step * (0.5 + random() / 2));
}
