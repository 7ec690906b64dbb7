/**
 * The measurements themselves, written once against the Channel interface
 * (channel.mjs) and the adapter's dial/handshake. Timing uses the monotonic
 * clock of the process that observes the event.
 */
import { randomBytes } from "node:crypto";
import { microsSince } from "./stats.mjs";

/** Calls `wait(n)` to get a promise for the next n bytes the channel delivers. */
function byteWaiter(ch) {
  let buffered = 0;
  let want = 0;
  let wake = null;
  ch.onData((chunk) => {
    buffered += chunk.byteLength;
    if (wake && buffered >= want) {
      buffered -= want;
      const resolve = wake;
      wake = null;
      resolve();
    }
  });
  return (n) =>
    new Promise((resolve) => {
      if (buffered >= n) {
        buffered -= n;
        resolve();
      } else {
        want = n;
        wake = resolve;
      }
    });
}

/**
 * Writes `limit` bytes (or until `stop()` says so) from one in-memory chunk,
 * respecting backpressure. Random bytes so nothing can compress them.
 */
export async function pump(
  ch,
  { limit = Number.POSITIVE_INFINITY, chunkSize, stop = () => false },
) {
  const chunk = randomBytes(chunkSize);
  let sent = 0;
  while (sent < limit && !stop()) {
    const n = Math.min(chunk.length, limit - sent);
    const ok = ch.write(n === chunk.length ? chunk : chunk.subarray(0, n));
    sent += n;
    if (!ok) await ch.drained();
  }
  return sent;
}

/**
 * Server side of bulk: counts and discards. Calls `onDone` once `size` bytes
 * arrived with the time from first to last byte.
 */
export function sink(ch, { size, onDone }) {
  closeWhenPeerDoes(ch);
  let bytes = 0;
  let start = 0n;
  ch.onData((chunk) => {
    if (bytes === 0) start = process.hrtime.bigint();
    bytes += chunk.byteLength;
    if (size && bytes >= size && onDone) {
      const us = microsSince(start);
      onDone({ bytes, ms: us / 1000, mbPerS: bytes / us });
      onDone = null;
    }
  });
}

/** Server side of every latency test: writes back what it reads. */
export function echo(ch) {
  closeWhenPeerDoes(ch);
  ch.onData((chunk) => ch.write(chunk));
}

/** Lets the client close gracefully: a half-closed channel is closed here too. */
function closeWhenPeerDoes(ch) {
  ch.onEnd(() => {
    // Past the measurement: if a graceful close fails, tearing down is enough.
    ch.end().catch(() => ch.destroy());
  });
}

/** `count` sequential round trips of `payloadSize` bytes; samples in µs. */
export async function roundTrips(ch, { count, warmup, payloadSize }) {
  const payload = randomBytes(payloadSize);
  const wait = byteWaiter(ch);
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    const start = process.hrtime.bigint();
    ch.write(payload);
    await wait(payloadSize);
    if (i >= warmup) samples.push(microsSince(start));
  }
  return samples;
}

/** Fresh connections, one at a time: µs from connect() to ready. */
export async function handshakes(adapter, addr, config) {
  const samples = [];
  for (let i = 0; i < config.handshakes; i++) {
    const start = process.hrtime.bigint();
    const conn = await adapter.handshake(addr, config);
    samples.push(microsSince(start));
    await conn.close();
  }
  return samples;
}

/**
 * Saturates `bulk` while pinging over `ping` every `intervalMs`; samples are
 * ping RTTs in µs. Stops early after `interactiveMaxS`, since a badly queued
 * contender can take a second per ping. Also returns the bulk rate achieved.
 */
export async function pingsUnderLoad(bulk, ping, config) {
  let stopped = false;
  const began = process.hrtime.bigint();
  const load = pump(bulk, { chunkSize: config.chunkSize, stop: () => stopped });
  // Let the bulk stream reach steady state before sampling.
  await new Promise((resolve) => setTimeout(resolve, config.loadWarmupMs));
  const wait = byteWaiter(ping);
  const payload = Buffer.from([0x70]);
  const samples = [];
  const deadline = Date.now() + config.interactiveMaxS * 1000;
  for (let i = 0; i < config.pings && Date.now() < deadline; i++) {
    const start = process.hrtime.bigint();
    ping.write(payload);
    await wait(1);
    samples.push(microsSince(start));
    const left = config.pingIntervalMs - microsSince(start) / 1000;
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
  stopped = true;
  const loadBytes = await load;
  return { samples, loadMbPerS: loadBytes / microsSince(began) };
}
