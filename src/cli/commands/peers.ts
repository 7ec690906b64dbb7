import { type DiscoveredPeer, type PairedPeer, shortDeviceId } from "../../index.js";
import { openNode } from "../context.js";
import { createReporter, fail } from "../output.js";

interface PeersOptions {
  json?: boolean;
  wait: string;
}

/** Runs `walkie peers`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(options: PeersOptions): Promise<void> {
  const json = options.json === true;
  const reporter = createReporter(json);
  try {
    const node = await openNode();
    const paired = await node.peers.list();
    const wait = Number(options.wait);
    let lan: DiscoveredPeer[] = [];
    try {
      lan = await node.discoverLan(Number.isFinite(wait) && wait >= 0 ? wait : 1500);
    } catch (err: unknown) {
      reporter.warn(err); // no mDNS here: the paired list still stands
    }
    process.stdout.write(json ? `${toJson(paired, lan)}\n` : toText(paired, lan));
  } catch (err: unknown) {
    fail(err, json);
  }
  process.exit();
}

/** The LAN entry of a paired peer: its short ID announced now. */
function onLan(peer: PairedPeer, lan: readonly DiscoveredPeer[]): DiscoveredPeer | undefined {
  const short = shortDeviceId(peer.id).toLowerCase();
  return lan.find((found) => found.shortId === short);
}

function lanAddress(found: DiscoveredPeer): string {
  const host = found.addresses[0] ?? found.host;
  return host.includes(":") ? `[${host}]:${found.port}` : `${host}:${found.port}`;
}

function toJson(paired: readonly PairedPeer[], lan: readonly DiscoveredPeer[]): string {
  const pairedShortIds = new Map(paired.map((p) => [shortDeviceId(p.id).toLowerCase(), p.id]));
  return JSON.stringify({
    paired: paired.map((peer) => {
      const found = onLan(peer, lan);
      return {
        ...peer,
        publicKey: peer.publicKey.toString("base64"),
        online: found !== undefined,
        lanAddress: found ? lanAddress(found) : null,
      };
    }),
    lan: lan.map((found) => ({ ...found, pairedId: pairedShortIds.get(found.shortId) ?? null })),
  });
}

function toText(paired: readonly PairedPeer[], lan: readonly DiscoveredPeer[]): string {
  const lines: string[] = [];
  if (paired.length === 0) lines.push("No paired peers yet (walkie pair makes a code).");
  else lines.push(`Paired (${paired.length}):`);
  const width = Math.max(0, ...paired.map((peer) => peer.name.length));
  for (const peer of paired) {
    const found = onLan(peer, lan);
    const status = found
      ? `online at ${lanAddress(found)}`
      : peer.lastSeenAt
        ? `last seen ${when(peer.lastSeenAt)}${peer.lastSeenFrom ? ` from ${peer.lastSeenFrom}` : ""}`
        : "never seen since pairing";
    lines.push(`  ${peer.name.padEnd(width)}  ${peer.id}  ${status}`);
  }
  const known = new Set(paired.map((peer) => shortDeviceId(peer.id).toLowerCase()));
  const others = lan.filter((found) => !known.has(found.shortId));
  if (others.length > 0) lines.push(`On the LAN now, not paired (${others.length}):`);
  for (const found of others) {
    const waiting =
      found.nameplate === null ? "" : `  waiting with a code (${found.nameplate}-...)`;
    lines.push(`  ${found.name}  ${found.shortId.toUpperCase()}  ${lanAddress(found)}${waiting}`);
  }
  return `${lines.join("\n")}\n`;
}

/** ISO time as `2025-05-01 12:03` in local time. */
function when(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
