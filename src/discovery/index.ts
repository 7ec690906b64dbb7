/**
 * Discovery: announce this device as `_walkie._tcp.local` over mDNS/DNS-SD
 * (RFC 6762, RFC 6763) and browse for other Walkie devices on the LAN. It
 * knows nothing of keys, links or services: it turns (name, short id, port,
 * nameplate) into DNS records and back.
 *
 * Library choice: a small DNS codec and DNS-SD layer of our own on node:dgram
 * (one socket per interface), no dependency. bonjour-service 1.4 can neither
 * update a TXT record nor rename on a conflict; @homebridge/ciao 1.3 skips
 * veth interfaces (it reads `veth0@if5` from `ip -o link`) and cannot browse;
 * multicast-dns 7.2 sends on one interface only, failing with ENETUNREACH
 * where there is no default route; dns-packet splits a dot in an instance name.
 */
export type { Announcer } from "./announce.js";
export { createAnnouncer } from "./announce.js";
export type { Browser, BrowserEvents } from "./browse.js";
export { createBrowser } from "./browse.js";
export type { WalkieTxt } from "./txt.js";
export { encodeTxt, isValidNameplate, isValidShortId, parseTxt } from "./txt.js";
export type {
  AnnouncerOptions,
  BrowserOptions,
  DiscoveredPeer,
  FindOptions,
  WarningHandler,
} from "./types.js";
export { DISCOVERY_VERSION } from "./types.js";
