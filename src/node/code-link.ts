/**
 * One-time links by code, for a single exchange such as `walkie send` /
 * `walkie receive`. As in pairing (pairing.ts), the waiting side listens and
 * announces the code's nameplate on the LAN, the other side joins by the
 * code (found by nameplate, or at HOST:PORT), and the PAKE proves both know
 * it, which authenticates both static keys. Unlike pairing, neither side
 * stores the other as a paired peer: the link is handed to the caller and
 * trust ends with it. The waiting side takes one attempt: a wrong code
 * burns it.
 */
import type { Duplex } from "node:stream";
import { generateCode, parseCode } from "../crypto/one-time-code.js";
import { ConfigError, HandshakeError, WalkieError } from "../errors.js";
import {
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
import { announceOnLan, dialAddresses, findNameplate, type LanAnnouncement } from "./lan.js";
import type { PairingNode } from "./pairing.js";

/** What a code link needs of a node (no peer store). */
export type CodeLinkNode = Omit<PairingNode, "peers">;

export interface CodeWaitOptions {
  /** @default "::" (every interface) */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** @default a fresh random code */
  code?: string;
  /** Announce the nameplate over mDNS. @default true (unless the node's discovery is off) */
  announce?: boolean;
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
  readonly port: number;
  /** The link, once the other side joined with the right code; rejects if the code burned or on close(). */
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
  /** Per address tried. @default 10000 */
  dialTimeoutMs?: number;
  /** Join over this byte stream instead of TCP (see CodeWaitOptions.transport). @default TCP */
  transport?: { open: () => Promise<Duplex>; name: string };
}

const MAX_PENDING = 64;

/** Waits with a code for one link. @throws ConfigError ERR_BAD_CODE */
export async function waitForCodeLink(
  node: CodeLinkNode,
  options: CodeWaitOptions = {},
): Promise<CodeWaitSession> {
  const code = parseCode(options.code ?? generateCode());
  let listener: TcpListener | undefined;
  let announcement: LanAnnouncement | undefined;
  const slot = createCodeSlot(await pairingScalar(code.normalized), () => {
    // Used or burned: no more attempts, and the nameplate goes away.
    listener?.server.close();
    announcement?.setNameplate(null);
  });
  let settle!: { resolve: (link: Link) => void; reject: (err: unknown) => void };
  const link = new Promise<Link>((resolve, reject) => {
    settle = { resolve, reject };
  });
  link.catch(() => {});
  let done = false;
  let pending = 0;
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
  if (options.transport !== undefined) {
    const { open, name } = options.transport;
    open()
      .then((duplex) =>
        node.connect(duplex, {
          isInitiator: false,
          mode: LinkMode.Code,
          codeSlot: slot,
          verifyPeer: notSelf(node.id),
          remoteAddress: name,
        }),
      )
      .then((up) => finish({ link: up }))
      .catch((err: unknown) => finish({ err }));
    setImmediate(warmUpPake);
    return {
      code: code.normalized,
      nameplate: code.nameplate,
      port: 0,
      link,
      async close() {
        finish({ err: new WalkieError("ERR_CODE_CANCELLED", "stopped waiting for the code") });
      },
    };
  }
  listener = await listenTcp({ host: options.host, port: options.port }, (socket) => {
    if (pending >= MAX_PENDING) {
      socket.destroy();
      return;
    }
    pending++;
    let checked = false;
    node
      .connect(socket, {
        isInitiator: false,
        mode: LinkMode.Code,
        codeSlot: {
          w: slot.w,
          refusal: () => slot.refusal(),
          settle(correct) {
            checked = true;
            slot.settle(correct);
          },
        },
        verifyPeer: notSelf(node.id),
        remoteAddress: formatAddress(socket.remoteAddress ?? "?", socket.remotePort ?? 0),
      })
      .then((up) => finish({ link: up }))
      .catch((err: unknown) => (checked ? finish({ err }) : node.emit("warning", err)))
      .finally(() => pending--);
  });
  if (node.discovery && options.announce !== false) {
    announcement = announceOnLan(node, listener.port, (err) => node.emit("warning", err));
    announcement.setNameplate(code.nameplate);
  }
  setImmediate(warmUpPake);
  return {
    code: code.normalized,
    nameplate: code.nameplate,
    port: listener.port,
    link,
    async close() {
      finish({ err: new WalkieError("ERR_CODE_CANCELLED", "stopped waiting for the code") });
      await announcement?.stop();
    },
  };
}

/** Joins the side waiting with `code` and returns the link (nothing is stored). */
export async function joinCodeLink(node: CodeLinkNode, options: CodeJoinOptions): Promise<Link> {
  const code = parseCode(options.code);
  const w = pairingScalar(code.normalized);
  w.catch(() => {});
  setImmediate(warmUpPake);
  if (options.transport !== undefined) {
    return node.connect(await options.transport.open(), {
      isInitiator: true,
      mode: LinkMode.Code,
      codeScalar: w,
      verifyPeer: notSelf(node.id),
      remoteAddress: options.transport.name,
    });
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
  let lastError: unknown = new WalkieError("ERR_DISCOVERY", "the other side has no address");
  for (const target of targets) {
    const { host, port } = parseAddress(target);
    let socket: Awaited<ReturnType<typeof dialTcp>>;
    try {
      socket = await dialTcp({ host, port, timeoutMs: options.dialTimeoutMs ?? 10_000 });
    } catch (err: unknown) {
      lastError = err;
      continue;
    }
    // Once connected, never retry: the code allows one attempt.
    return node.connect(socket, {
      isInitiator: true,
      mode: LinkMode.Code,
      codeScalar: w,
      verifyPeer: notSelf(node.id),
      remoteAddress: target,
    });
  }
  throw lastError;
}

function notSelf(id: string): (peer: PeerInfo) => void {
  return (peer) => {
    if (peer.id === id) {
      throw new HandshakeError("ERR_PAIR_SELF", "that code was made by this same device");
    }
  };
}
