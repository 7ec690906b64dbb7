/**
 * One-time links by code (PROTOCOL.md "Pairing (mode 1)"): the waiting side
 * listens and announces the code's nameplate on the LAN; the other side joins
 * by the code (found by nameplate, dialled at HOST:PORT, or over a byte
 * stream), and the link's PAKE proves both know it, which authenticates both
 * static keys. The link is handed to the caller: `walkie send` / `receive`
 * use it for one exchange and trust ends with it; pairing (pairing.ts) stores
 * the peer. The waiting side takes one attempt: a wrong code burns it.
 */
import type { Duplex } from "node:stream";
import { generateCode, parseCode } from "../crypto/one-time-code.js";
import { ConfigError, HandshakeError, WalkieError } from "../errors.js";
import {
  CodePurpose,
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

/** What a code link needs of a node (no peer store). */
export interface CodeLinkNode extends LanSelf {
  /** Whether mDNS may be used. */
  readonly discovery: boolean;
  connect(transport: Duplex, options: ConnectOptions): Promise<Link>;
  emit(event: "warning", err: unknown): boolean;
}

export interface CodeWaitOptions {
  /** @default "::" (every interface) */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** @default a fresh random code */
  code?: string;
  /** Announce the nameplate over mDNS. @default true (unless the node's discovery is off) */
  announce?: boolean;
  /** What the code is for; a joiner asking for another purpose is refused (the code stays). @default CodePurpose.Exchange */
  purpose?: CodePurpose;
  /**
   * Take the one link over this byte stream (a serial port, stdio) instead
   * of listening on TCP; opened once the code is made (a serial port waits
   * there for the other end). `name` is the remote address in logs. @default TCP
   */
  transport?: { open: () => Promise<Duplex>; name: string };
}

/** A code waiting for the other side. */
export interface CodeWaitSession {
  readonly code: string;
  readonly nameplate: number;
  /** The TCP port listened on; 0 over a byte stream. */
  readonly port: number;
  /**
   * The link, once the other side joined with the right code; rejects if the
   * code burned (ERR_BAD_CODE), the link failed, or on close() (ERR_CODE_CANCELLED).
   */
  readonly link: Promise<Link>;
  /** Stops waiting (if still waiting), says goodbye on mDNS, closes the listener; the link stays. */
  close(): Promise<void>;
}

export interface CodeJoinOptions {
  code: string;
  /** The waiting side's address; without it the nameplate is looked up on the LAN. */
  host?: string;
  port?: number;
  /** How long to look for the nameplate. @default 10000 */
  discoveryTimeoutMs?: number;
  /** What the code is for; it must match the waiting side's. @default CodePurpose.Exchange */
  purpose?: CodePurpose;
  /** Per address tried. @default 10000 */
  dialTimeoutMs?: number;
  /** Join over this byte stream instead of TCP (see CodeWaitOptions.transport). @default TCP */
  transport?: { open: () => Promise<Duplex>; name: string };
}

/** Unfinished code handshakes at once; more are dropped (one attempt counts anyway). */
const MAX_PENDING = 64;

/** Waits with a code for one link. @throws ConfigError ERR_BAD_CODE */
export async function waitForCodeLink(
  node: CodeLinkNode,
  options: CodeWaitOptions = {},
): Promise<CodeWaitSession> {
  const code = parseCode(options.code ?? generateCode());
  let listener: TcpListener | undefined;
  let announcement: LanAnnouncement | undefined;
  const slot = createCodeSlot(
    await pairingScalar(code.normalized),
    (correct) => {
      // Burned: no more attempts. Used: later ones are refused in the handshake
      // (ERR_CODE_USED) until the link is up and the listener closes.
      if (!correct) listener?.server.close();
      announcement?.setNameplate(null);
    },
    options.purpose ?? CodePurpose.Exchange,
  );
  let settle!: { resolve: (link: Link) => void; reject: (err: unknown) => void };
  const link = new Promise<Link>((resolve, reject) => {
    settle = { resolve, reject };
  });
  link.catch(() => {}); // the caller hears it through `link`
  let done = false;
  const finish = (outcome: { link: Link } | { err: unknown }): void => {
    if (done) {
      if ("link" in outcome) outcome.link.destroy(); // cannot happen: one attempt only
      return;
    }
    done = true;
    listener?.server.close();
    announcement?.setNameplate(null);
    if ("link" in outcome) settle.resolve(outcome.link);
    else settle.reject(outcome.err);
  };
  const accept = (duplex: Duplex, remoteAddress: string, codeSlot: CodeSlot): Promise<Link> =>
    node.connect(duplex, {
      isInitiator: false,
      mode: LinkMode.Code,
      codeSlot,
      verifyPeer: notSelf(node.id),
      remoteAddress,
    });

  if (options.transport !== undefined) {
    const { open, name } = options.transport;
    open()
      .then((duplex) => accept(duplex, name, slot))
      .then((up) => finish({ link: up }))
      .catch((err: unknown) => finish({ err }));
  } else {
    let pending = 0;
    listener = await listenTcp({ host: options.host, port: options.port }, (socket) => {
      if (pending >= MAX_PENDING) {
        socket.destroy();
        return;
      }
      pending++;
      const attempt = trackAttempt(slot);
      const from = formatAddress(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
      accept(socket, from, attempt)
        .then((up) => finish({ link: up }))
        // Refused attempts (after a burn, malformed) do not end the wait; a checked one does.
        .catch((err: unknown) => (attempt.checked ? finish({ err }) : node.emit("warning", err)))
        .finally(() => pending--);
    });
    if (node.discovery && options.announce !== false) {
      announcement = announceOnLan(node, listener.port, (err) => node.emit("warning", err));
      announcement.setNameplate(code.nameplate);
    }
  }
  setImmediate(warmUpPake); // while the other side types the code
  return {
    code: code.normalized,
    nameplate: code.nameplate,
    port: listener?.port ?? 0,
    link,
    async close() {
      finish({ err: new WalkieError("ERR_CODE_CANCELLED", "stopped waiting for the code") });
      await announcement?.stop();
    },
  };
}

/**
 * Joins the side waiting with `code` and returns the link (nothing is
 * stored); over TCP its `remoteAddress` is the address dialled.
 * @throws ERR_BAD_CODE, ERR_PEER_UNREACHABLE, ERR_DISCOVERY_TIMEOUT and the other link errors
 */
export async function joinCodeLink(node: CodeLinkNode, options: CodeJoinOptions): Promise<Link> {
  const code = parseCode(options.code);
  // scrypt (about 90 ms) runs while the other side is found and dialled.
  const w = pairingScalar(code.normalized);
  w.catch(() => {});
  setImmediate(warmUpPake); // on this thread, while scrypt runs on another
  const join = (duplex: Duplex, remoteAddress: string): Promise<Link> =>
    node.connect(duplex, {
      isInitiator: true,
      mode: LinkMode.Code,
      codeScalar: w,
      codePurpose: options.purpose ?? CodePurpose.Exchange,
      verifyPeer: notSelf(node.id),
      remoteAddress,
    });
  if (options.transport !== undefined) {
    return join(await options.transport.open(), options.transport.name);
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
    return join(socket, target);
  }
  throw lastError;
}

/** A view of the shared slot that remembers whether this connection's attempt was checked. */
function trackAttempt(slot: CodeSlot): CodeSlot & { checked: boolean } {
  return {
    w: slot.w,
    purpose: slot.purpose,
    checked: false,
    refusal: () => slot.refusal(),
    settle(correct) {
      this.checked = true;
      slot.settle(correct);
    },
  };
}

function notSelf(id: string): (peer: PeerInfo) => void {
  return (peer) => {
    if (peer.id === id) {
      throw new HandshakeError("ERR_PAIR_SELF", "that code was made by this same device");
    }
  };
}
