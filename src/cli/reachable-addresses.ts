import { networkInterfaces } from "node:os";
import { formatAddress } from "../index.js";

/**
 * HOST:PORT the other side could use with --from: the listening host if it
 * is a specific one, else this machine's non-internal addresses, IPv4 first.
 */
export function reachableAddresses(host: string, port: number): string[] {
  if (host !== "::" && host !== "0.0.0.0") return [formatAddress(host, port)];
  const all = Object.values(networkInterfaces()).flatMap((infos) => infos ?? []);
  const usable = all.filter((info) => !info.internal && !/^fe[89ab]/i.test(info.address));
  usable.sort((a, b) => Number(a.family === "IPv6") - Number(b.family === "IPv6"));
  const addresses = usable.map((info) => formatAddress(info.address, port));
  return addresses.length > 0 ? addresses : [formatAddress("127.0.0.1", port)];
}
