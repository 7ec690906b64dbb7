/**
 * Pairing while a node runs: at most one code waits at a time (a new one
 * replaces it), joining by a code another device shows, and the outcome of
 * each as an event for the faces.
 */
import { EventEmitter } from "node:events";
import { networkInterfaces } from "node:os";
import { WalkieError } from "../../errors.js";
import { formatAddress } from "../../transport/index.js";
import type { WalkieNode } from "../node.js";
import type { PairingResult, PairJoinOptions, PairWaitSession } from "../pairing.js";

/** What faces see of pairing. */
export type PairingState =
  | { state: "idle" }
  | { state: "waiting"; code: string; nameplate: number; addresses: string[]; expiresAt: number }
  | { state: "joining"; code: string }
  | { state: "paired"; peer: { id: string; name: string }; sas: string }
  | { state: "failed"; code: string; message: string };

export interface PairingDeskEvents {
  change: [state: PairingState];
  paired: [result: PairingResult];
}

/** A waiting code ends after this long. @default 10 minutes */
const WAIT_MS = 10 * 60_000;

export class PairingDesk extends EventEmitter<PairingDeskEvents> {
  private session: PairWaitSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: PairingState = { state: "idle" };

  constructor(private readonly node: WalkieNode) {
    super();
  }

  get state(): PairingState {
    return this.current;
  }

  /** Makes a code and waits for the other device (replacing a code that waits). */
  async wait(): Promise<PairingState> {
    await this.cancel();
    const session = await this.node.pairWait();
    this.session = session;
    const expiresAt = Date.now() + WAIT_MS;
    this.timer = setTimeout(() => void this.cancel(), WAIT_MS);
    this.timer.unref();
    this.set({
      state: "waiting",
      code: session.code,
      nameplate: session.nameplate,
      addresses: reachableAddresses(session.port),
      expiresAt,
    });
    session.result.then(
      (result) => this.settle(session, result),
      (err: unknown) => this.settle(session, err),
    );
    return this.current;
  }

  /** Pairs with the device that shows `code` (found on the LAN, or at host:port). */
  async join(options: PairJoinOptions): Promise<PairingResult> {
    this.set({ state: "joining", code: options.code });
    try {
      const result = await this.node.pairJoin(options);
      this.succeed(result);
      return result;
    } catch (err: unknown) {
      this.fail(err);
      throw err;
    }
  }

  /** Stops a waiting code. */
  async cancel(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    clearTimeout(this.timer);
    if (session) {
      await session.close();
      this.set({ state: "idle" });
    }
  }

  private settle(session: PairWaitSession, outcome: PairingResult | unknown): void {
    if (this.session !== session) return; // replaced or cancelled: already reported
    this.session = undefined;
    clearTimeout(this.timer);
    void session.close();
    if (outcome instanceof Error) this.fail(outcome);
    else this.succeed(outcome as PairingResult);
  }

  private succeed(result: PairingResult): void {
    this.set({ state: "paired", peer: { id: result.id, name: result.name }, sas: result.sas });
    this.emit("paired", result);
  }

  private fail(err: unknown): void {
    const code = err instanceof WalkieError ? err.code : "ERR_INTERNAL";
    const message = err instanceof Error ? err.message : String(err);
    this.set({ state: "failed", code, message });
  }

  private set(state: PairingState): void {
    this.current = state;
    this.emit("change", state);
  }
}

/** HOST:PORT the other device could dial: this machine's non-internal addresses, IPv4 first. */
export function reachableAddresses(port: number): string[] {
  const all = Object.values(networkInterfaces()).flatMap((infos) => infos ?? []);
  const usable = all.filter((info) => !info.internal && !/^fe[89ab]/i.test(info.address));
  usable.sort((a, b) => Number(a.family === "IPv6") - Number(b.family === "IPv6"));
  const addresses = usable.map((info) => formatAddress(info.address, port));
  return [...addresses, formatAddress("127.0.0.1", port)];
}
