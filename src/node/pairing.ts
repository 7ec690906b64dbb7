/**
 * Pairing by one-time code (PROTOCOL.md "Pairing (mode 1)"): one side waits
 * with a code, listening and announcing the code's nameplate on the LAN; the
 * other joins by the code, found by nameplate or dialled at an address. The
 * link's PAKE proves both know the code, which authenticates both static
 * keys; then each side stores the other in its peer store and the link
 * closes. The waiting side takes one attempt: a wrong code burns it.
 */
import type { Duplex } from "node:stream";
import { generateCode, parseCode } from "../crypto/one-time-code.js";
import { shortAuthString } from "../crypto/sas.js";
import { ConfigError, HandshakeError, WalkieError } from "../errors.js";
import {
  type CodeSlot,
  createCodeSlot,
  type Link,
  LinkMode,
  type PeerInfo,
  pairingScalar,
  warmUpPake,
} from "../link/index.js";
import {
  dialTcp,
  formatAddress,
  listenTcp,
  parseAddress,
  type TcpListener,
} from "../transport/index.js";
import {
  announceOnLan,
  dialAddresses,
  findNameplate,
  type LanAnnouncement,
  type LanSelf,
} from "./lan.js";
import type { ConnectOptions } from "./node.js";
import type { PairedPeer, PeerStore } from "./peer-store.js";

/** What pairing needs of a node. */
export interface PairingNode extends LanSelf {
  readonly peers: PeerStore;
  /** Whether mDNS may be used. */
  readonly discovery: boolean;
  connect(transport: Duplex, options: ConnectOptions): Promise<Link>;
  emit(event: "warning", err: unknown): boolean;
}

/** A stored peer, plus the short authentication string both sides can compare. */
export interface PairingResult extends PairedPeer {
  /** Six digits from the handshake hash; the same on both sides. */
  readonly sas: string;
}

export interface PairWaitOptions {
  /** @default "::" (every interface) */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** The code to wait with. @default a fresh random code */
  code?: string;
  /**
   * Pair over this byte stream (a serial port, stdio) instead of listening on
   * TCP; called once the code is made, so it may wait for the other end.
   * `name` is what logs show as the remote address. @default TCP
   */
  transport?: { open: () => Promise<Duplex>; name: string };
  /** Announce the nameplate over mDNS. @default true (unless the node's discovery is off) */
  announce?: boolean;
}

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

export interface PairJoinOptions {
  code: string;
  /** The waiting side's address; without it the nameplate is looked up on the LAN. */
  host?: string;
  port?: number;
  /** How long to look for the nameplate. @default 10000 */
  discoveryTimeoutMs?: number;
  /** Per address tried. @default 10000 */
  dialTimeoutMs?: number;
  /** Pair over this byte stream instead of TCP (see PairWaitOptions.transport). @default TCP */
  transport?: { open: () => Promise<Duplex>; name: string };
}

/** Unfinished pairing handshakes at once; more are dropped (one attempt counts anyway). */
const MAX_PENDING = 64;

/** Waits with a code: see {@link PairWaitSession}. @throws ConfigError ERR_BAD_CODE */
export async function pairWait(
  node: PairingNode,
  options: PairWaitOptions = {},
): Promise<PairWaitSession> {
  const code = parseCode(options.code ?? generateCode());
  let listener: TcpListener | undefined;
  let announcement: LanAnnouncement | undefined;
  const slot = createCodeSlot(await pairingScalar(code.normalized), (correct) => {
    if (!correct) listener?.server.close(); // burned: no more attempts
    announcement?.setNameplate(null);
  });
  let settle!: { resolve: (peer: PairingResult) => void; reject: (err: unknown) => void };
  const result = new Promise<PairingResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => {}); // the caller hears it through `result`
  let done = false;
  let pending = 0;
  const finish = (outcome: { peer: PairingResult } | { err: unknown }): void => {
    if (done) return;
    done = true;
    listener?.server.close();
    announcement?.setNameplate(null);
    if ("peer" in outcome) settle.resolve(outcome.peer);
    else settle.reject(outcome.err);
  };
  if (options.transport !== undefined) {
    const { open, name } = options.transport;
    open()
      .then((duplex) =>
        node.connect(duplex, {
          isInitiator: false,
          mode: LinkMode.Code,
          codeSlot: slot,
          verifyPeer: notSelf(node),
          remoteAddress: name,
        }),
      )
      .then(async (link) => finish({ peer: await store(node, link, {}) }))
      .catch((err: unknown) => finish({ err }));
    setImmediate(warmUpPake);
    return {
      code: code.normalized,
      nameplate: code.nameplate,
      port: 0,
      result,
      async close() {
        finish({ err: new WalkieError("ERR_PAIRING_CANCELLED", "stopped waiting for the code") });
      },
    };
  }
  listener = await listenTcp({ host: options.host, port: options.port }, (socket) => {
    // After the end, attempts still go through the handshake: it refuses them cheaply and clearly.
    if (pending >= MAX_PENDING) {
      socket.destroy();
      return;
    }
    pending++;
    const attempt = trackAttempt(slot);
    node
      .connect(socket, {
        isInitiator: false,
        mode: LinkMode.Code,
        codeSlot: attempt,
        verifyPeer: notSelf(node),
        remoteAddress: formatAddress(socket.remoteAddress ?? "?", socket.remotePort ?? 0),
      })
      .then(async (link) => finish({ peer: await store(node, link, {}) }))
      // Refused attempts (after a burn, malformed) do not end the wait; a checked one does.
      .catch((err: unknown) => (attempt.checked ? finish({ err }) : node.emit("warning", err)))
      .finally(() => pending--);
  });
  if (node.discovery && options.announce !== false) {
    announcement = announceOnLan(node, listener.port, (err) => node.emit("warning", err));
    announcement.setNameplate(code.nameplate);
  }
  setImmediate(warmUpPake); // while the other side types the code
  return {
    code: code.normalized,
    nameplate: code.nameplate,
    port: listener.port,
    result,
    async close() {
      finish({ err: new WalkieError("ERR_PAIRING_CANCELLED", "stopped waiting for the code") });
      await announcement?.stop();
    },
  };
}

/** Joins the side waiting with `code`. @throws ERR_BAD_CODE and the other pairing errors */
export async function pairJoin(
  node: PairingNode,
  options: PairJoinOptions,
): Promise<PairingResult> {
  const code = parseCode(options.code);
  // scrypt (about 90 ms) runs while the other side is found and dialled.
  const w = pairingScalar(code.normalized);
  w.catch(() => {});
  setImmediate(warmUpPake); // on this thread, while scrypt runs on another
  if (options.transport !== undefined) {
    const link = await node.connect(await options.transport.open(), {
      isInitiator: true,
      mode: LinkMode.Code,
      codeScalar: w,
      verifyPeer: notSelf(node),
      remoteAddress: options.transport.name,
    });
    return store(node, link, {});
  }
  let targets: string[];
  if (options.host !== undefined) {
    if (options.port === undefined) throw new ConfigError("ERR_USAGE", "a host needs a port");
    targets = [formatAddress(options.host, options.port)];
  } else if (!node.discovery) {
    throw new ConfigError("ERR_USAGE", "discovery is off: give the other side's HOST:PORT");
  } else {
    const found = await findNameplate(node, code.nameplate, options.discoveryTimeoutMs ?? 10_000);
    targets = dialAddresses(found);
  }
  let lastError: unknown = new WalkieError(
    "ERR_PEER_UNREACHABLE",
    `the device waiting with nameplate ${code.nameplate} announced no usable address`,
  );
  for (const target of targets) {
    const { host, port } = parseAddress(target);
    let socket: Duplex;
    try {
      socket = await dialTcp({ host, port, timeoutMs: options.dialTimeoutMs ?? 10_000 });
    } catch (err: unknown) {
      lastError = err;
      continue; // another address of the same device may answer
    }
    // Once connected, never retry: the code allows one attempt.
    const link = await node.connect(socket, {
      isInitiator: true,
      mode: LinkMode.Code,
      codeScalar: w,
      verifyPeer: notSelf(node),
      remoteAddress: target,
    });
    return store(node, link, { dialed: target });
  }
  throw lastError;
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

/** A view of the shared slot that remembers whether this connection's attempt was checked. */
function trackAttempt(slot: CodeSlot): CodeSlot & { checked: boolean } {
  return {
    w: slot.w,
    checked: false,
    refusal: () => slot.refusal(),
    settle(correct) {
      this.checked = true;
      slot.settle(correct);
    },
  };
}

function notSelf(node: PairingNode): (peer: PeerInfo) => void {
  return (peer) => {
    if (peer.id === node.id) {
      throw new HandshakeError("ERR_PAIR_SELF", "that code was made by this same device");
    }
  };
}
