/**
 * Announces this device as `_walkie._tcp.local` (RFC 6762, RFC 6763): probe
 * the instance and host names (renaming "Name" to "Name (2)" or the host to
 * "<id>-2" on a conflict), announce twice, answer queries, update the TXT in
 * place, and say goodbye (TTL 0) on stop. The host name is our own
 * `<short id>.local`, never the machine's, so avahi-daemon never renames.
 */
import { WalkieError } from "../errors.js";
import { checkAnnouncerOptions } from "./announce-options.js";
import { type Clash, findClash } from "./conflict.js";
import { type DnsMessage, type ResourceRecord, sameName } from "./dns-message.js";
import type { MdnsInterface } from "./interfaces.js";
import { type MdnsSocket, openMdnsSocket, type Received } from "./mdns-socket.js";
import {
  answerQuery,
  goodbye,
  hostFqdn,
  instanceFqdn,
  probeQuestions,
  type ServiceIdentity,
  serviceRecords,
  uniqueRecords,
} from "./records.js";
import { encodeTxt } from "./txt.js";
import { type AnnouncerOptions, DISCOVERY_VERSION, META_QUERY_LABELS } from "./types.js";

export interface Announcer {
  /** The instance name in use: the device name, or e.g. "Name (2)" after a conflict. */
  readonly instanceName: string;
  /** The host name in use, e.g. `mfrggzdf7.local`. */
  readonly hostName: string;
  /** Sets (or with null clears) TXT `np=`; announced at once. @throws ConfigError */
  setNameplate(nameplate: number | null): void;
  /** Sends goodbyes and closes the sockets. Safe to call twice. */
  stop(): Promise<void>;
}

const PROBE_INTERVAL_MS = 250;
const MAX_PROBE_ROUNDS = 30;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class ServiceAnnouncer implements Announcer {
  private socket: MdnsSocket | undefined;
  private phase: "probing" | "announced" | "stopped" = "probing";
  private instanceCount = 1;
  private hostCount = 1;
  private conflicts = { instance: false, host: false };
  private nameplate: number | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | undefined;
  private reprobing = false;

  constructor(
    private readonly base: string,
    private readonly hostBase: string,
    private readonly options: AnnouncerOptions,
  ) {}

  get instanceName(): string {
    return this.instanceCount === 1 ? this.base : `${this.base} (${this.instanceCount})`;
  }

  private get hostLabel(): string {
    return this.hostCount === 1 ? this.hostBase : `${this.hostBase}-${this.hostCount}`;
  }

  get hostName(): string {
    return `${this.hostLabel}.local`;
  }

  private identity(): ServiceIdentity {
    const txt = encodeTxt({
      version: DISCOVERY_VERSION,
      shortId: this.options.shortId,
      nameplate: this.nameplate,
    });
    return { instance: this.instanceName, host: this.hostLabel, port: this.options.port, txt };
  }

  async start(): Promise<void> {
    this.socket = await openMdnsSocket({
      interface: this.options.interface,
      onWarning: this.options.onWarning ?? (() => {}),
      onMessage: (received) => this.handle(received),
      onInterfacesAdded: (added) => {
        if (this.phase === "announced") void this.announce(added.map((i) => i.name));
      },
    });
    await this.probe();
  }

  /** Probes until our names are unique, then announces (RFC 6762 8.1, 8.3). */
  private async probe(): Promise<void> {
    await sleep(Math.random() * PROBE_INTERVAL_MS);
    for (let round = 0; round < MAX_PROBE_ROUNDS; round++) {
      this.phase = "probing";
      this.conflicts = { instance: false, host: false };
      for (let i = 0; i < 3 && !this.conflicts.instance && !this.conflicts.host; i++) {
        const identity = this.identity();
        await this.socket?.multicast((iface) => ({
          isResponse: false,
          questions: probeQuestions(identity),
          authorities: uniqueRecords(identity, iface),
        }));
        await sleep(PROBE_INTERVAL_MS);
      }
      if (this.stopping) return;
      if (!this.conflicts.instance && !this.conflicts.host) {
        this.phase = "announced";
        await this.announce();
        return;
      }
      if (this.conflicts.instance) this.instanceCount++;
      if (this.conflicts.host) this.hostCount++;
      if (round >= 15) await sleep(1000); // RFC 6762 8.1: slow down after 15 conflicts
    }
    throw new WalkieError("ERR_MDNS_NAME_CONFLICT", `no free name for "${this.base}" on the LAN`);
  }

  /** Sends `build`'s records now and once more a second later. */
  private async sendTwice(build: (iface: MdnsInterface) => ResourceRecord[], only?: string[]) {
    const send = () =>
      this.socket?.multicast((iface) =>
        only && !only.includes(iface.name) ? null : { isResponse: true, answers: build(iface) },
      );
    await send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.phase === "announced") void send();
    }, 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private announce(only?: string[]): Promise<void> {
    return this.sendTwice((iface) => serviceRecords(this.identity(), iface), only);
  }

  setNameplate(nameplate: number | null): void {
    if (this.phase === "stopped") throw new WalkieError("ERR_ANNOUNCER_STOPPED", "stopped");
    encodeTxt({ version: DISCOVERY_VERSION, shortId: this.options.shortId, nameplate });
    this.nameplate = nameplate;
    if (this.phase !== "announced") return; // the announcement after probing carries it
    void this.sendTwice((iface) =>
      uniqueRecords(this.identity(), iface).filter((r) => r.data.kind === "txt"),
    );
  }

  private handle({ message, iface }: Received): void {
    if (this.phase === "stopped") return;
    if (message.isResponse) {
      this.handleResponse(message);
      return;
    }
    if (this.phase === "probing") {
      this.checkSimultaneousProbe(message);
      return;
    }
    const answer = answerQuery(serviceRecords(this.identity(), iface), message);
    if (!answer) return;
    // RFC 6762 section 6: delay answers holding shared records by 20-120 ms.
    const shared = answer.answers.some((r) => !r.cacheFlush);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.phase !== "announced") return;
        // Built again at send time, so a TXT change in between is not undone.
        const fresh = answerQuery(serviceRecords(this.identity(), iface), message);
        if (!fresh) return;
        void this.socket?.multicast((i) =>
          i.name === iface.name ? { isResponse: true, ...fresh } : null,
        );
      },
      shared ? 20 + Math.random() * 100 : 0,
    );
    this.timers.add(timer);
  }

  private clash(theirs: readonly ResourceRecord[]): Clash | null {
    const ours = this.socket?.interfaces().flatMap((i) => serviceRecords(this.identity(), i));
    const [instance, host] = [instanceFqdn(this.instanceName), hostFqdn(this.hostLabel)];
    return findClash(theirs, ours ?? [], instance, host);
  }

  private handleResponse(message: DnsMessage): void {
    const clash = this.clash([...message.answers, ...message.additionals]);
    if (!clash) return;
    if (this.phase === "probing") {
      // Someone already holds the name: rename whatever the tie-break says.
      this.conflicts.instance ||= clash.instance;
      this.conflicts.host ||= clash.host;
    } else if (clash.weWin) {
      void this.announce(); // defend the name (RFC 6762 9)
    } else {
      void this.reprobe(clash);
    }
  }

  /** RFC 6762 8.2: two hosts probing at once; the later data wins, the other renames. */
  private checkSimultaneousProbe(message: DnsMessage): void {
    const clash = this.clash(message.authorities);
    if (!clash || clash.weWin) return;
    this.conflicts.instance ||= clash.instance;
    this.conflicts.host ||= clash.host;
  }

  private async reprobe(clash: Clash): Promise<void> {
    if (this.reprobing) return;
    this.reprobing = true;
    try {
      if (clash.instance) this.instanceCount++;
      if (clash.host) this.hostCount++;
      await this.probe();
    } catch (err: unknown) {
      this.options.onWarning?.("re-probing after a name conflict failed", err);
    } finally {
      this.reprobing = false;
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const wasAnnounced = this.phase === "announced";
      this.phase = "stopped";
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      if (wasAnnounced) {
        // The meta-query PTR is shared with other Walkie services on this host: keep it.
        await this.socket?.multicast((iface) => ({
          isResponse: true,
          answers: goodbye(serviceRecords(this.identity(), iface)).filter(
            (r) => !sameName(r.name, META_QUERY_LABELS),
          ),
        }));
      }
      await this.socket?.close();
    })();
    return this.stopping;
  }
}

/**
 * Starts announcing; resolves once our names are probed unique and the first
 * announcement is out (about a second).
 * @throws ConfigError for bad options (ERR_BAD_DEVICE_NAME, ERR_BAD_SHORT_ID, ERR_BAD_PORT,
 *   ERR_MDNS_NAME, ERR_MDNS_INTERFACE)
 * @throws WalkieError ERR_MDNS_SOCKET, ERR_MDNS_NAME_CONFLICT
 */
export async function createAnnouncer(options: AnnouncerOptions): Promise<Announcer> {
  const { base, hostBase } = checkAnnouncerOptions(options);
  const announcer = new ServiceAnnouncer(base, hostBase, options);
  try {
    await announcer.start();
  } catch (err: unknown) {
    await announcer.stop();
    throw err;
  }
  return announcer;
}
