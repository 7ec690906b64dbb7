/**
 * Which network interfaces mDNS runs on: every non-internal interface with
 * an IPv4 address (mDNS is sent over IPv4 multicast), from
 * `os.networkInterfaces()` so it works the same on Linux, macOS and Windows,
 * and inside a network namespace that has only a veth pair.
 */
import { networkInterfaces } from "node:os";
import { parseIPv4 } from "./ip.js";

export interface MdnsInterface {
  /** Interface name, e.g. `eth0`. */
  name: string;
  /** Its IPv4 address: multicast is sent and joined through it. */
  ipv4: string;
  netmask: string;
  /** Its other non-internal addresses, IPv4 first, for A and AAAA records. */
  addresses: string[];
}

/** The usable interfaces, or only the one named by `only` (a name or an IPv4 address). */
export function listInterfaces(only?: string): MdnsInterface[] {
  const out: MdnsInterface[] = [];
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    const usable = (infos ?? []).filter((info) => !info.internal);
    const v4 = usable.find((info) => info.family === "IPv4");
    if (!v4) continue;
    if (only !== undefined && only !== name && !usable.some((info) => info.address === only)) {
      continue;
    }
    const v4s = usable.filter((info) => info.family === "IPv4").map((info) => info.address);
    const v6s = usable.filter((info) => info.family === "IPv6").map((info) => info.address);
    out.push({ name, ipv4: v4.address, netmask: v4.netmask, addresses: [...v4s, ...v6s] });
  }
  return out;
}

/** True when `address` is an IPv4 address in the same subnet as `iface`. */
export function onSubnet(iface: MdnsInterface, address: string): boolean {
  const a = parseIPv4(address);
  const b = parseIPv4(iface.ipv4);
  const mask = parseIPv4(iface.netmask);
  if (!a || !b || !mask) return false;
  return a.every((byte, i) => (byte & mask[i]!) === (b[i]! & mask[i]!));
}

/** A stable key to tell when an interface's addresses changed. */
export function interfaceKey(iface: MdnsInterface): string {
  return `${iface.name}|${iface.ipv4}|${iface.netmask}|${iface.addresses.join(",")}`;
}
