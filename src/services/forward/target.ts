/**
 * What a forward stream asks for, and who may ask: the target (protocol,
 * host, port) carried in the stream's OPEN metadata, and the allow list
 * that the answering side checks it against. Pure: no sockets here.
 */
import { WalkieError, WireError } from "../../errors.js";
import type { PeerInfo } from "../../link/index.js";
import { parseAddress } from "../../transport/index.js";
import { decodeCborStrict, encodeCbor } from "../strict-cbor.js";

export type ForwardProtocol = "tcp" | "udp";

/** A host:port on the answering side, reached over TCP or UDP. */
export interface ForwardTarget {
  protocol: ForwardProtocol;
  /** A host name or IP literal (IPv6 without brackets), as the caller wrote it. */
  host: string;
  port: number;
}

/** What an OPEN of the forward service asks for. */
export interface ForwardRequest extends ForwardTarget {
  /** Only ask whether the target is allowed; connect nothing. */
  check: boolean;
}

/**
 * Decides whether `peer` may reach `target`; throws a WalkieError
 * (`ERR_FORWARD_NOT_ALLOWED`) to refuse.
 */
export type ForwardPolicy = (target: ForwardTarget, peer: PeerInfo) => void;

/** Longest host name carried (a DNS name is at most 253 characters). */
const MAX_HOST = 255;

/** The OPEN metadata for `request`. */
export function encodeForwardRequest(request: ForwardRequest): Buffer {
  const map: Record<string, unknown> = {
    v: 1,
    proto: request.protocol,
    host: request.host,
    port: request.port,
  };
  if (request.check) map.check = true;
  return Buffer.from(encodeCbor(map));
}

/** Parses OPEN metadata. @throws WireError ERR_FORWARD_INVALID */
export function decodeForwardRequest(metadata: Uint8Array): ForwardRequest {
  const value = decodeCborStrict(metadata, "ERR_FORWARD_INVALID") as Record<string, unknown>;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid("not a map");
  if (value.v !== 1) throw invalid(`unknown version ${String(value.v)}`);
  const { proto, host, port, check } = value;
  if (proto !== "tcp" && proto !== "udp") throw invalid("proto is not tcp or udp");
  if (typeof host !== "string" || !isHost(host)) throw invalid("bad host");
  if (!isPort(port)) throw invalid("bad port");
  if (check !== undefined && check !== true) throw invalid("bad check flag");
  return { protocol: proto, host, port, check: check === true };
}

/**
 * Parses `HOST:PORT` (IPv6 as `[ADDR]:PORT`) as a target.
 * @throws WalkieError ERR_BAD_ADDRESS
 */
export function parseTarget(text: string, protocol: ForwardProtocol): ForwardTarget {
  const { host, port } = parseAddress(text);
  if (!isHost(host)) throw new WalkieError("ERR_BAD_ADDRESS", `"${text}" has a bad host`);
  return { protocol, host, port };
}

/** `host:port` (IPv6 in brackets), with `/udp` for UDP. */
export function formatTarget(target: ForwardTarget): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `${host}:${target.port}${target.protocol === "udp" ? "/udp" : ""}`;
}

/**
 * An allow list of targets. Each entry is `HOST:PORT` (TCP and UDP),
 * `HOST:PORT/tcp` or `HOST:PORT/udp`; hosts are compared as written, case
 * aside, never resolved (so `localhost` and `127.0.0.1` are different
 * entries). An empty list allows nothing.
 * @throws WalkieError ERR_BAD_ADDRESS for a malformed entry
 */
export function allowForwardList(entries: readonly string[]): ForwardPolicy {
  const allowed = new Set<string>();
  for (const entry of entries) {
    const match = /^(.*?)(?:\/(tcp|udp))?$/i.exec(entry.trim())!;
    const protocols: ForwardProtocol[] = match[2]
      ? [match[2].toLowerCase() as ForwardProtocol]
      : ["tcp", "udp"];
    for (const protocol of protocols) allowed.add(key(parseTarget(match[1]!, protocol)));
  }
  return (target, peer) => {
    if (!allowed.has(key(target))) {
      throw new WalkieError(
        "ERR_FORWARD_NOT_ALLOWED",
        `${formatTarget(target)} is not on the allow list for forwards (asked by ${peer.name})`,
      );
    }
  };
}

function key(target: ForwardTarget): string {
  return formatTarget({ ...target, host: target.host.toLowerCase() });
}

function isHost(host: string): boolean {
  return host.length > 0 && host.length <= MAX_HOST && /^[A-Za-z0-9._:%-]+$/.test(host);
}

function isPort(port: unknown): port is number {
  return typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535;
}

function invalid(reason: string): WireError {
  return new WireError("ERR_FORWARD_INVALID", `invalid forward request: ${reason}`);
}
