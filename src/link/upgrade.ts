/**
 * The one place where a link is put together, top to bottom:
 * transport -> Noise handshake -> peer check -> records -> mux -> Link.
 */
import type { Duplex } from "node:stream";
import type { KeyPair } from "../crypto/noise/index.js";
import { HandshakeError, WalkieError } from "../errors.js";
import { type LinkMode, type PeerInfo, runHandshake } from "./handshake.js";
import { Link, type LinkTimers } from "./link.js";
import type { MuxStream } from "./mux.js";
import type { CodePurpose, CodeSlot } from "./pake-exchange.js";

export interface UpgradeOptions extends LinkTimers {
  isInitiator: boolean;
  keyPair: KeyPair;
  name: string;
  /** Throws a WalkieError to refuse the peer (the peer is told why). */
  verifyPeer: (peer: PeerInfo) => void | Promise<void>;
  /** @default LinkMode.Known */
  mode?: LinkMode;
  /** Initiator in `LinkMode.Code`: the code's password scalar, from `pairingScalar`. */
  codeScalar?: Uint8Array | Promise<Uint8Array>;
  /** Responder in `LinkMode.Code`: the waiting one-time code. */
  codeSlot?: CodeSlot;
  /** Initiator in `LinkMode.Code`: what the code is for. @default CodePurpose.Exchange */
  codePurpose?: CodePurpose;
  /** @default 10000 */
  handshakeTimeoutMs?: number;
  remoteAddress?: string;
  /** Per-stream receive window in bytes. @default 1 MiB */
  receiveWindow?: number;
  /** Handles streams the peer opens (see LinkInit.onStream). */
  onStream?: (stream: MuxStream, link: Link) => void;
}

/**
 * Turns a connected transport into a Link. Resolves once the peer has
 * confirmed the link (its first record arrived: the responder pings at
 * once, the initiator answers), so a refusal by either side surfaces here
 * as ERR_PEER_REFUSED_US rather than as a link that dies at once. On any
 * failure the transport is destroyed.
 */
export async function upgrade(transport: Duplex, options: UpgradeOptions): Promise<Link> {
  const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
  try {
    const result = await runHandshake({
      transport,
      isInitiator: options.isInitiator,
      keyPair: options.keyPair,
      name: options.name,
      verifyPeer: options.verifyPeer,
      mode: options.mode,
      codeScalar: options.codeScalar,
      codeSlot: options.codeSlot,
      codePurpose: options.codePurpose,
      timeoutMs,
    });
    const link = new Link({ ...options, ...result, transport });
    await confirmation(link, timeoutMs);
    return link;
  } catch (err: unknown) {
    if (transport.writableEnded) {
      // A refusal is on its way to the peer: let it drain before closing.
      setTimeout(() => transport.destroy(), 2_000).unref();
    } else {
      transport.destroy();
    }
    if (err instanceof WalkieError) throw err;
    throw new WalkieError("ERR_INTERNAL", "link setup failed", { cause: err });
  }
}

async function confirmation(link: Link, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HandshakeError(
            "ERR_HANDSHAKE_TIMEOUT",
            `the peer did not confirm the link in ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([link.confirmed, timeout]);
  } catch (err: unknown) {
    link.destroy(err instanceof WalkieError ? err : undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
