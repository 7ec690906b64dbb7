/**
 * The mDNS transport: one UDP socket per interface, bound to port 5353 with
 * SO_REUSEADDR (so avahi-daemon or another responder can share the port),
 * joined to 224.0.0.251 on that interface and sending through it. Sending
 * per interface is what lets each interface get its own A/AAAA records, and
 * works where no default route exists (a namespace with only a veth pair).
 *
 * Linux hands every group datagram to every such socket, so a socket keeps
 * only datagrams from its own interface's subnet (as @homebridge/ciao does).
 * Datagrams that do not decode are reported through `onWarning` and dropped.
 */
import { createSocket, type Socket } from "node:dgram";
import { ConfigError, WalkieError } from "../errors.js";
import { decodeMessage } from "./dns-decode.js";
import { encodeMessage, type OutgoingMessage } from "./dns-encode.js";
import type { DnsMessage } from "./dns-message.js";
import { interfaceKey, listInterfaces, type MdnsInterface, onSubnet } from "./interfaces.js";
import type { WarningHandler } from "./types.js";

export const MDNS_GROUP = "224.0.0.251";
export const MDNS_PORT = 5353;

export interface Received {
  message: DnsMessage;
  from: { address: string; port: number };
  iface: MdnsInterface;
}

export interface MdnsSocketOptions {
  /** Only this interface (name or IPv4 address). @default all usable interfaces */
  interface?: string;
  onMessage: (received: Received) => void;
  onWarning: WarningHandler;
  /** Interfaces that appeared after start, once their sockets are ready. @default none */
  onInterfacesAdded?: (added: MdnsInterface[]) => void;
  /** How often to look for interface changes. @default 5000 */
  rescanMs?: number;
}

export interface MdnsSocket {
  interfaces(): MdnsInterface[];
  /** Sends to the group on each interface; `build` tailors the message or returns null to skip. */
  multicast(build: (iface: MdnsInterface) => OutgoingMessage | null): Promise<void>;
  close(): Promise<void>;
}

interface Endpoint {
  iface: MdnsInterface;
  socket: Socket;
}

async function openEndpoint(iface: MdnsInterface, options: MdnsSocketOptions): Promise<Endpoint> {
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(MDNS_PORT, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    socket.addMembership(MDNS_GROUP, iface.ipv4);
    socket.setMulticastInterface(iface.ipv4);
    socket.setMulticastTTL(255);
    socket.setMulticastLoopback(true); // peers on this same machine must hear us
  } catch (err: unknown) {
    socket.close();
    throw new WalkieError("ERR_MDNS_SOCKET", `cannot open mDNS on ${iface.name}`, { cause: err });
  }
  socket.on("error", (err) => options.onWarning(`mDNS socket on ${iface.name} failed`, err));
  socket.on("message", (data, rinfo) => {
    // Every socket sees every group datagram; keep those from our own subnet.
    if (!onSubnet(iface, rinfo.address)) return;
    const from = { address: rinfo.address, port: rinfo.port };
    let message: DnsMessage;
    try {
      message = decodeMessage(data);
    } catch (err: unknown) {
      options.onWarning(`ignored a malformed mDNS packet from ${rinfo.address}`, err);
      return;
    }
    // RFC 6762 section 18: non-zero opcode or rcode must be ignored; section 6:
    // responses come from port 5353. Legacy unicast queries are not answered.
    if (message.opcode !== 0 || message.rcode !== 0 || rinfo.port !== MDNS_PORT) {
      options.onWarning(`ignored an mDNS packet from ${rinfo.address}:${rinfo.port}`);
      return;
    }
    try {
      options.onMessage({ message, from, iface });
    } catch (err: unknown) {
      options.onWarning(`handling an mDNS packet from ${rinfo.address} failed`, err);
    }
  });
  return { iface, socket };
}

function closeEndpoint(endpoint: Endpoint): Promise<void> {
  return new Promise((resolve) => endpoint.socket.close(() => resolve()));
}

/**
 * Opens mDNS sockets on the usable interfaces.
 * @throws ConfigError ERR_MDNS_INTERFACE when `options.interface` names no usable interface
 * @throws WalkieError ERR_MDNS_SOCKET when no interface could be opened
 */
export async function openMdnsSocket(options: MdnsSocketOptions): Promise<MdnsSocket> {
  const endpoints = new Map<string, Endpoint>();
  const initial = listInterfaces(options.interface);
  if (options.interface !== undefined && initial.length === 0) {
    throw new ConfigError(
      "ERR_MDNS_INTERFACE",
      `"${options.interface}" is not an interface with an IPv4 address`,
    );
  }
  if (initial.length === 0) options.onWarning("no network interface for mDNS yet");
  let lastError: unknown;
  for (const iface of initial) {
    try {
      endpoints.set(interfaceKey(iface), await openEndpoint(iface, options));
    } catch (err: unknown) {
      lastError = err;
      options.onWarning(`mDNS is off on ${iface.name}`, err);
    }
  }
  if (initial.length > 0 && endpoints.size === 0) throw lastError;

  let closed = false;
  let scanning = false;
  const rescan = async (): Promise<void> => {
    if (scanning || closed) return;
    scanning = true;
    try {
      const current = new Map(listInterfaces(options.interface).map((i) => [interfaceKey(i), i]));
      for (const [key, endpoint] of endpoints) {
        if (current.has(key)) continue;
        endpoints.delete(key);
        await closeEndpoint(endpoint);
      }
      const added: MdnsInterface[] = [];
      for (const [key, iface] of current) {
        if (endpoints.has(key) || closed) continue;
        try {
          endpoints.set(key, await openEndpoint(iface, options));
          added.push(iface);
        } catch (err: unknown) {
          options.onWarning(`mDNS is off on ${iface.name}`, err);
        }
      }
      if (added.length > 0 && !closed) options.onInterfacesAdded?.(added);
    } finally {
      scanning = false;
    }
  };
  const timer = setInterval(() => void rescan(), options.rescanMs ?? 5000);
  timer.unref();

  return {
    interfaces: () => [...endpoints.values()].map((e) => e.iface),
    async multicast(build) {
      const sends = [...endpoints.values()].map(async ({ iface, socket }) => {
        const message = build(iface);
        if (!message || closed) return;
        const bytes = encodeMessage(message);
        await new Promise<void>((resolve) => {
          const done = (err?: unknown): void => {
            if (err) options.onWarning(`mDNS send on ${iface.name} failed`, err);
            resolve();
          };
          try {
            socket.send(bytes, MDNS_PORT, MDNS_GROUP, done);
          } catch (err: unknown) {
            done(err); // the socket closed under us: the interface went away
          }
        });
      });
      await Promise.all(sends);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      const all = [...endpoints.values()];
      endpoints.clear();
      await Promise.all(all.map(closeEndpoint));
    },
  };
}
