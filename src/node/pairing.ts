/**
 * Pairing by one-time code (PROTOCOL.md "Pairing (mode 1)"): a code link
 * (code-link.ts), after which each side stores the other in its peer store
 * and the link closes. Both sides get the same short authentication string
 * from the handshake, for people who want to compare.
 */
import { shortAuthString } from "../crypto/sas.js";
import { hasCode, WalkieError } from "../errors.js";
import { CodePurpose, type Link } from "../link/index.js";
import {
  type CodeJoinOptions,
  type CodeLinkNode,
  type CodeWaitOptions,
  joinCodeLink,
  waitForCodeLink,
} from "./code-link.js";
import type { PairedPeer, PeerStore } from "./peer-store.js";

/** What pairing needs of a node. */
export interface PairingNode extends CodeLinkNode {
  readonly peers: PeerStore;
}

/** A stored peer, plus the short authentication string both sides can compare. */
export interface PairingResult extends PairedPeer {
  /** Six digits from the handshake hash; the same on both sides. */
  readonly sas: string;
}

/** Where and how to wait: as for any code link (see CodeWaitOptions). */
export type PairWaitOptions = Omit<CodeWaitOptions, "purpose">;

/** A code waiting for the other side. */
export interface PairWaitSession {
  readonly code: string;
  readonly nameplate: number;
  readonly port: number;
  /** Settles once: paired, burned (ERR_BAD_CODE), failed, or cancelled (ERR_PAIRING_CANCELLED). */
  readonly result: Promise<PairingResult>;
  /** Stops waiting if still waiting, says goodbye on mDNS, closes the listener. */
  close(): Promise<void>;
}

/** Whom to join and how: as for any code link (see CodeJoinOptions). */
export type PairJoinOptions = Omit<CodeJoinOptions, "purpose">;

/** Waits with a code: see {@link PairWaitSession}. @throws ConfigError ERR_BAD_CODE */
export async function pairWait(
  node: PairingNode,
  options: PairWaitOptions = {},
): Promise<PairWaitSession> {
  const session = await waitForCodeLink(node, { ...options, purpose: CodePurpose.Pair });
  const result = session.link.then(
    (link) => store(node, link, {}),
    (err: unknown) => {
      if (!hasCode(err, "ERR_CODE_CANCELLED")) throw err;
      throw new WalkieError("ERR_PAIRING_CANCELLED", "stopped waiting for the code", {
        cause: err,
      });
    },
  );
  result.catch(() => {}); // the caller hears it through `result`
  return {
    code: session.code,
    nameplate: session.nameplate,
    port: session.port,
    result,
    close: () => session.close(),
  };
}

/** Joins the side waiting with `code`. @throws ERR_BAD_CODE and the other pairing errors */
export async function pairJoin(
  node: PairingNode,
  options: PairJoinOptions,
): Promise<PairingResult> {
  const link = await joinCodeLink(node, { ...options, purpose: CodePurpose.Pair });
  // Over TCP the link's remote address is the one dialled: kept as a good address.
  const dialed = options.transport === undefined ? link.remoteAddress : undefined;
  return store(node, link, dialed === undefined ? {} : { dialed });
}

/** Saves the peer, then closes the link (the other side's GOAWAY comes after its own save). */
async function store(
  node: PairingNode,
  link: Link,
  seen: { dialed?: string },
): Promise<PairingResult> {
  try {
    const peer = await node.peers.add({
      name: link.peer.name,
      publicKey: link.peer.publicKey,
      from: link.remoteAddress,
      ...seen,
    });
    const sas = shortAuthString(link.handshakeHash);
    await link.close();
    return { ...peer, sas };
  } catch (err: unknown) {
    link.destroy(err instanceof WalkieError ? err : undefined);
    throw err;
  }
}
