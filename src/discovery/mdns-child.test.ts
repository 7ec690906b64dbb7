/**
 * The child side of mdns-harness.test.ts (no tests of its own): runs an
 * announcer, a browser, or a garbage sender, in whatever network namespace
 * it was started in. Prints JSON lines; takes JSON commands on stdin; exits
 * when stdin ends, so it never outlives the test.
 */
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";
import { createAnnouncer } from "./announce.js";
import { createBrowser } from "./browse.js";
import { encodeMessage } from "./dns-encode.js";
import { CLASS_IN, type Name, type ResourceRecord } from "./dns-message.js";
import { listInterfaces } from "./interfaces.js";
import { MDNS_GROUP, MDNS_PORT } from "./mdns-socket.js";
import { SERVICE_LABELS } from "./types.js";

type Config = { mode: "announce" | "browse" | "garbage"; options?: Record<string, unknown> };

const out = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

function describe(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return cause === undefined ? undefined : String(cause);
  const code = (cause as { code?: unknown }).code;
  return `${typeof code === "string" ? `${code}: ` : ""}${cause.message}`;
}

const onWarning = (message: string, cause?: unknown): void => {
  out({ event: "warning", message, cause: describe(cause) });
};

function onCommands(handle: (command: Record<string, unknown>) => Promise<void>): void {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    handle(JSON.parse(line) as Record<string, unknown>).catch((err: unknown) => {
      out({ event: "error", error: describe(err) });
    });
  });
  lines.on("close", () => process.exit(0));
}

const record = (name: Name, data: ResourceRecord["data"]): ResourceRecord => ({
  name,
  rrclass: CLASS_IN,
  cacheFlush: true,
  ttl: 120,
  data,
});

/** Datagrams that are garbage, truncated, oversized, or well-formed with hostile contents. */
export function garbageDatagrams(): Uint8Array[] {
  const evil = ["Evil", ...SERVICE_LABELS];
  const ptr = record(SERVICE_LABELS, { kind: "ptr", target: evil });
  const srv = record(evil, {
    kind: "srv",
    priority: 0,
    weight: 0,
    port: 1,
    target: ["e", "local"],
  });
  const a = record(["e", "local"], { kind: "a", address: "10.77.0.99" });
  const badTxt = (strings: Uint8Array[]): Uint8Array =>
    encodeMessage({
      isResponse: true,
      answers: [ptr, srv, record(evil, { kind: "txt", strings }), a],
    });
  const text = (s: string): Uint8Array => Buffer.from(s);
  const valid = encodeMessage({ isResponse: true, answers: [ptr, srv, a] });
  const header = (counts: number[], rest: number[] = []): Uint8Array =>
    Uint8Array.from([0, 0, 0x84, 0, ...counts.flatMap((c) => [c >> 8, c & 0xff]), ...rest]);
  const random = (size: number): Uint8Array =>
    Uint8Array.from({ length: size }, () => Math.floor(Math.random() * 256));
  return [
    new Uint8Array(0),
    random(11),
    header([0xffff, 0xffff, 0xffff, 0xffff]),
    header([1, 0, 0, 0], [0xc0, 12, 0, 1, 0, 1]), // a name pointing at itself
    header([0, 1, 0, 0], [0x40, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0]), // label type 01
    valid.subarray(0, valid.length - 7),
    random(9001),
    ...Array.from({ length: 20 }, () => random(1 + Math.floor(Math.random() * 1400))),
    badTxt([text("v=abc"), text("id=UPPER CASE"), text("np=-1")]),
    badTxt([text("v=1"), Uint8Array.from([0x69, 0x64, 0x3d, 0xff, 0xfe])]),
    badTxt([text("v=1"), text("id")]),
    badTxt(Array.from({ length: 40 }, () => text("x".repeat(200)))),
    encodeMessage({
      isResponse: true,
      answers: [ptr, srv, record(evil, { kind: "other", type: 16, rdata: Uint8Array.of(9, 0x76) })],
    }),
    encodeMessage({
      isResponse: true,
      answers: [record(["e", "local"], { kind: "other", type: 1, rdata: Uint8Array.of(1, 2, 3) })],
    }),
  ];
}

async function sendGarbage(): Promise<void> {
  const datagrams = garbageDatagrams();
  for (const iface of listInterfaces()) {
    const socket = createSocket({ type: "udp4", reuseAddr: true });
    await new Promise<void>((resolve) => socket.bind(MDNS_PORT, resolve));
    socket.setMulticastInterface(iface.ipv4);
    for (const datagram of datagrams) {
      await new Promise<void>((resolve) => {
        socket.send(datagram, MDNS_PORT, MDNS_GROUP, (err) => {
          if (err) out({ event: "send-error", error: describe(err), size: datagram.length });
          resolve();
        });
      });
    }
    await new Promise<void>((resolve) => socket.close(resolve));
  }
  out({ event: "done", count: datagrams.length });
}

export async function runChild(config: Config): Promise<void> {
  const options = config.options ?? {};
  if (config.mode === "garbage") {
    await sendGarbage();
    process.exit(0);
  }
  if (config.mode === "announce") {
    const announcer = await createAnnouncer({
      ...(options as { name: string; shortId: string; port: number }),
      onWarning,
    });
    out({ event: "ready", instanceName: announcer.instanceName, hostName: announcer.hostName });
    onCommands(async (command) => {
      if (command.cmd === "nameplate") {
        announcer.setNameplate(command.nameplate as number | null);
        out({ event: "nameplate-set", nameplate: command.nameplate });
      } else if (command.cmd === "stop") {
        await announcer.stop();
        out({ event: "stopped" });
        process.exit(0);
      }
    });
    return;
  }
  const browser = await createBrowser({ ...options, onWarning });
  browser.on("up", (peer) => out({ event: "up", peer }));
  browser.on("update", (peer) => out({ event: "update", peer }));
  browser.on("down", (peer) => out({ event: "down", peer }));
  out({ event: "ready" });
  onCommands(async (command) => {
    if (command.cmd === "find-nameplate") {
      const peer = await browser.findByNameplate(command.nameplate as number, {
        timeoutMs: 20_000,
      });
      out({ event: "found", peer });
    } else if (command.cmd === "peers") {
      out({ event: "peers", peers: browser.peers() });
    } else if (command.cmd === "stop") {
      await browser.stop();
      out({ event: "stopped" });
      process.exit(0);
    }
  });
}
