/**
 * `walkie pair` while `walkie up` runs with the same home: the running node
 * makes or takes the code (so no second listener or mDNS announcement with
 * the same identity), and links with the new peer at once afterwards.
 */
import { type ControlClient, type PairingState, WalkieError } from "../index.js";
import { onInterrupt } from "./context.js";

/** What the CLI reports of a pairing. */
export interface PairedReport {
  id: string;
  name: string;
  sas: string;
}

/** Asks the running node for a code; `show` prints it; resolves once paired. */
export async function waitThroughNode(
  control: ControlClient,
  show: (code: string, nameplate: number, port: number, addresses: string[]) => void,
): Promise<PairedReport> {
  const waiting = await control.post<PairingState>("/api/pair/wait");
  if (waiting.state !== "waiting") throw new WalkieError("ERR_INTERNAL", "the node made no code");
  onInterrupt(() => control.post("/api/pair/cancel"));
  const port = Number(waiting.addresses.at(-1)?.split(":").at(-1) ?? 0);
  show(waiting.code, waiting.nameplate, port, waiting.addresses);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const state = await control.get<PairingState>("/api/pair");
    if (state.state === "waiting" && state.code === waiting.code) continue;
    if (state.state === "paired") return { ...state.peer, sas: state.sas };
    if (state.state === "failed") throw new WalkieError(state.code, state.message);
    throw new WalkieError("ERR_PAIRING_CANCELLED", "the node stopped waiting for the code");
  }
}

/** Pairs the running node with the device showing `code`. */
export async function joinThroughNode(
  control: ControlClient,
  code: string,
  from: string | undefined,
): Promise<PairedReport> {
  const answer = await control.post<{ peer: { id: string; name: string }; sas: string }>(
    "/api/pair/join",
    { code, from },
  );
  return { ...answer.peer, sas: answer.sas };
}
