/**
 * Domain types and constants of discovery: what an announcement carries and
 * what a browser reports. Wire types (DNS messages) live in dns-message.ts.
 */

/** DNS-SD service type, as labels: `_walkie._tcp.local`. */
export const SERVICE_LABELS: readonly string[] = ["_walkie", "_tcp", "local"];

/** The DNS-SD meta-query name that lists service types (RFC 6763 section 9). */
export const META_QUERY_LABELS: readonly string[] = ["_services", "_dns-sd", "_udp", "local"];

/** Protocol version announced in TXT `v=`. */
export const DISCOVERY_VERSION = 1;

/** Called for packets and records that were ignored (malformed, hostile, odd). */
export type WarningHandler = (message: string, cause?: unknown) => void;

/** A Walkie device seen on the LAN. */
export interface DiscoveredPeer {
  /** DNS-SD instance name: the device name as announced (maybe with " (2)"). */
  name: string;
  /** Short device id from TXT `id=`. */
  shortId: string;
  /** Nameplate of the one-time code the device waits with, from TXT `np=`. */
  nameplate: number | null;
  /** IPv4 and IPv6 addresses of the device's host name, IPv4 first. */
  addresses: string[];
  /** TCP port of the device's listener (from SRV). */
  port: number;
  /** Protocol version from TXT `v=`. */
  version: number;
  /** Host name the SRV record points to, e.g. `mfrggzdf7.local`. */
  host: string;
}

export interface AnnouncerOptions {
  /** Human device name; becomes the instance name (made unique on conflict). */
  name: string;
  /** Short device id: lowercase letters, digits and inner dashes, 1 to 32 characters. */
  shortId: string;
  /** TCP port the node listens on. */
  port: number;
  /**
   * Host name label to announce (`<hostName>.local`); never the machine's own.
   * @default shortId
   */
  hostName?: string;
  /**
   * Only use this interface (name like `eth0`, or its IPv4 address).
   * @default every non-internal IPv4 interface
   */
  interface?: string;
  /** Debug-level reports of ignored packets. @default none */
  onWarning?: WarningHandler;
}

export interface BrowserOptions {
  /** Our own short id: its announcement is not reported. @default none */
  selfShortId?: string;
  /**
   * Only use this interface (name like `eth0`, or its IPv4 address).
   * @default every non-internal IPv4 interface
   */
  interface?: string;
  /** Debug-level reports of ignored packets and records. @default none */
  onWarning?: WarningHandler;
}

export interface FindOptions {
  /** How long to wait for a matching peer. @default 5000 */
  timeoutMs?: number;
}
