/**
 * Watches the LAN for Walkie devices for as long as a node runs (one mDNS
 * browser, started in the background). Best effort: without mDNS it reports
 * a warning and sees nobody; explicit and remembered addresses still work.
 */
import { EventEmitter } from "node:events";
import type { Browser, DiscoveredPeer } from "../../discovery/index.js";
import { dialAddresses, type LanSelf, lanShortId } from "../lan.js";

export interface LanWatchEvents {
  /** A device appeared, changed (a nameplate, an address) or left. */
  change: [peer: DiscoveredPeer, kind: "up" | "update" | "down"];
}

export class LanWatch extends EventEmitter<LanWatchEvents> {
  private browser: Browser | undefined;
  private stopped = false;
  private readonly started: Promise<void>;

  constructor(self: LanSelf, onWarning: (err: unknown) => void) {
    super();
    this.started = import("../../discovery/index.js")
      .then(({ createBrowser }) => createBrowser({ selfShortId: lanShortId(self.id) }))
      .then(
        async (browser) => {
          if (this.stopped) {
            await browser.stop();
            return;
          }
          this.browser = browser;
          browser.on("up", (peer) => this.emit("change", peer, "up"));
          browser.on("update", (peer) => this.emit("change", peer, "update"));
          browser.on("down", (peer) => this.emit("change", peer, "down"));
        },
        (err: unknown) => onWarning(err),
      );
  }

  /** Devices seen now, sorted by name. */
  peers(): DiscoveredPeer[] {
    return this.browser?.peers() ?? [];
  }

  /** Where the device with this device ID is announced now, as HOST:PORT (none if unseen). */
  addressesOf(deviceId: string): string[] {
    const short = lanShortId(deviceId);
    const found = this.peers().find((peer) => peer.shortId === short);
    return found ? dialAddresses(found) : [];
  }

  /** Asks the LAN again now. */
  refresh(): void {
    this.browser?.refresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.started;
    await this.browser?.stop();
  }
}
