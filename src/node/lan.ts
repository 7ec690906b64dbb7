/**
 * The node's use of LAN discovery: announce a listener (with a nameplate
 * while a code waits), find a device by nameplate or short ID, list what is
 * on the LAN now. Discovery is best effort: failures become warnings, and an
 * explicit address always works without it. The discovery module is loaded
 * on first use, so commands that never use it do not pay for loading it.
 */
import { shortDeviceId } from "../crypto/device-id.js";
import type { Announcer, Browser, DiscoveredPeer } from "../discovery/index.js";
import { formatAddress } from "../transport/index.js";

/** What this device announces. */
export interface LanSelf {
  readonly id: string;
  readonly name: string;
}

/** An announcement that starts in the background (probing takes about a second). */
export interface LanAnnouncement {
  setNameplate(nameplate: number | null): void;
  /** Says goodbye (TTL 0) if announced, and closes. Safe to call twice. */
  stop(): Promise<void>;
}

/** The lowercase short ID that TXT `id=` carries. */
export function lanShortId(deviceId: string): string {
  return shortDeviceId(deviceId).toLowerCase();
}

/** Starts announcing `port`; failures go to `onWarning`, never throw. */
export function announceOnLan(
  self: LanSelf,
  port: number,
  onWarning: (err: unknown) => void,
): LanAnnouncement {
  let current: number | null = null;
  let stopped = false;
  const started: Promise<Announcer | undefined> = import("../discovery/index.js")
    .then(({ createAnnouncer }) =>
      createAnnouncer({ name: self.name, shortId: lanShortId(self.id), port }),
    )
    .then(
      (announcer) => {
        if (!stopped) announcer.setNameplate(current);
        return announcer;
      },
      (err: unknown) => {
        onWarning(err);
        return undefined;
      },
    );
  let stopping: Promise<void> | undefined;
  return {
    setNameplate(value) {
      current = value;
      void started.then((announcer) => {
        if (!stopped) announcer?.setNameplate(value);
      });
    },
    stop() {
      stopped = true;
      stopping ??= started.then((announcer) => announcer?.stop());
      return stopping;
    },
  };
}

/** Waits for the device announcing `nameplate`. @throws WalkieError ERR_DISCOVERY_TIMEOUT */
export function findNameplate(
  self: LanSelf,
  nameplate: number,
  timeoutMs: number,
): Promise<DiscoveredPeer> {
  return withBrowser(self, (browser) => browser.findByNameplate(nameplate, { timeoutMs }));
}

/** Waits for the device with this device ID's short ID. @throws ERR_DISCOVERY_TIMEOUT */
export function findDevice(
  self: LanSelf,
  deviceId: string,
  timeoutMs: number,
): Promise<DiscoveredPeer> {
  return withBrowser(self, (browser) => browser.findById(lanShortId(deviceId), { timeoutMs }));
}

/** Every Walkie device that answers within `durationMs`, but this one. */
export function browseLan(self: LanSelf, durationMs: number): Promise<DiscoveredPeer[]> {
  return withBrowser(self, async (browser) => {
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    return browser.peers();
  });
}

/**
 * HOST:PORT to dial a discovered device at, IPv4 first (as the browser
 * orders them); IPv6 link-local addresses are left out, as they need a zone.
 */
export function dialAddresses(peer: DiscoveredPeer): string[] {
  return peer.addresses
    .filter((address) => !/^fe[89ab]/i.test(address))
    .map((address) => formatAddress(address, peer.port));
}

async function withBrowser<T>(self: LanSelf, use: (browser: Browser) => Promise<T>): Promise<T> {
  const { createBrowser } = await import("../discovery/index.js");
  const browser = await createBrowser({ selfShortId: lanShortId(self.id) });
  try {
    return await use(browser);
  } finally {
    await browser.stop();
  }
}
