/**
 * Checks announcer options before anything touches the network, and turns
 * the device name and short id into the DNS labels the announcer uses.
 */
import { ConfigError } from "../errors.js";
import { checkName } from "./dns-encode.js";
import { instanceFqdn } from "./records.js";
import { isValidShortId } from "./txt.js";
import type { AnnouncerOptions } from "./types.js";

/** Room left in a 63-byte label for a " (NN)" suffix after a conflict. */
const MAX_INSTANCE_BYTES = 63 - " (99)".length;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,56}[a-z0-9])?$/;

/** The device name as a DNS label: control characters out, cut on a character boundary. */
export function instanceBase(name: string): string {
  let base = name.replace(/[\x00-\x1f\x7f]/g, " ").trim();
  while (Buffer.byteLength(base) > MAX_INSTANCE_BYTES) base = [...base].slice(0, -1).join("");
  if (base.length === 0) throw new ConfigError("ERR_BAD_DEVICE_NAME", "the device name is empty");
  return base;
}

/**
 * @returns the instance label and the host label (without `.local`)
 * @throws ConfigError ERR_BAD_PORT, ERR_BAD_SHORT_ID, ERR_MDNS_NAME, ERR_BAD_DEVICE_NAME
 */
export function checkAnnouncerOptions(options: AnnouncerOptions): {
  base: string;
  hostBase: string;
} {
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new ConfigError("ERR_BAD_PORT", `port ${options.port} is not 1 to 65535`);
  }
  if (!isValidShortId(options.shortId)) {
    throw new ConfigError("ERR_BAD_SHORT_ID", `short id "${options.shortId}" is not valid`);
  }
  const hostBase = (options.hostName ?? options.shortId).replace(/\.local\.?$/i, "");
  if (!HOST_LABEL.test(hostBase)) {
    throw new ConfigError("ERR_MDNS_NAME", `host name "${hostBase}" is not a lowercase DNS label`);
  }
  const base = instanceBase(options.name);
  checkName(instanceFqdn(base));
  return { base, hostBase };
}
