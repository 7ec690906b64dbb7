import { networkInterfaces } from "node:os";
import type { Command } from "commander";
import {
  ConfigError,
  formatAddress,
  type Link,
  parseAddress,
  type SendSource,
  scanPaths,
  sendFiles,
  streamSource,
  type Transfer,
  TransferError,
  textSource,
  type WalkieNode,
  waitForCodeLink,
} from "../../index.js";
import { onInterrupt, openNode, portOption, runningNode } from "../context.js";
import { describeOffer, dialTarget } from "../files/common.js";
import { progressMode, reportDone, showProgress } from "../files/progress.js";
import { resumeHint } from "../files/resume-hint.js";
import { sendThroughNode } from "../files/send-via-node.js";
import { createReporter, EXIT_FAILURE, fail, type Reporter } from "../output.js";

interface SendOptions {
  to?: string;
  peer?: string;
  text?: string;
  name?: string;
  links?: boolean;
  host?: string;
  port?: string;
  parallel?: string;
  idleTimeout?: string;
  json?: boolean;
}

export function registerSend(program: Command): void {
  program
    .command("send")
    .argument("[paths...]", "files and folders to send; - sends stdin as one file")
    .description(
      "send files, folders or a text: to a paired peer, or to whoever has the one-time code",
    )
    .option("--to <peer|host:port>", "send straight to a paired peer (name or ID) or an address")
    .option("--peer <peer>", "with --to HOST:PORT: the device expected to answer")
    .option("--text <text>", "send a short text instead of files")
    .option("--name <name>", "with -: the name of the file made from stdin", "stdin")
    .option("--links", "send symbolic links inside folders as links (else they are skipped)")
    .option("--host <host>", "with a code: address to listen on", "::")
    .option("--port <port>", "with a code: TCP port (0 = any free port)", "0")
    .option("--parallel <n>", "data streams at once", "3")
    .option("--idle-timeout <seconds>", "give up when nothing moves for this long", "30")
    .option(
      "--json",
      "NDJSON events on stderr (code, connected, accepted, progress, file-done, done, error)",
    )
    .action(async (paths: string[], options: SendOptions) => {
      const json = options.json === true;
      const reporter = createReporter(json);
      let transfer: Transfer | undefined;
      try {
        const source = await readSource(paths, options, reporter);
        const control = viaNode(paths, options) ? await runningNode() : undefined;
        if (control !== undefined && options.to !== undefined) {
          // `walkie up` runs with this home: it sends on its own link with the peer.
          process.exitCode = await sendThroughNode(control, options.to, paths, reporter, json);
          process.exit();
        }
        const node = await openNode();
        node.on("warning", (err: unknown) => reporter.warn(err));
        const link =
          options.to !== undefined
            ? await dialTarget(node, options.to, options.peer)
            : await waitWithCode(node, options, reporter);
        reporter.event(
          "connected",
          { peer: link.peer.id, name: link.peer.name, address: link.remoteAddress },
          `walkie: connected to ${link.peer.name} (${link.peer.id})`,
        );
        process.exitCode = await send(node, link, source, options, reporter, (t) => {
          transfer = t;
        });
      } catch (err: unknown) {
        fail(resumeHint(err, transfer), json);
      }
      process.exit();
    });
}

/** Files to a paired peer by name can go through a running node. */
function viaNode(paths: string[], options: SendOptions): boolean {
  if (options.to === undefined || options.text !== undefined || paths.includes("-")) return false;
  try {
    parseAddress(options.to);
    return false;
  } catch {
    return options.peer === undefined;
  }
}

async function readSource(
  paths: string[],
  options: SendOptions,
  reporter: Reporter,
): Promise<SendSource> {
  if (options.text !== undefined) {
    if (paths.length > 0) throw new ConfigError("ERR_USAGE", "give --text or paths, not both");
    return textSource(options.text);
  }
  if (paths.length === 0)
    throw new ConfigError("ERR_USAGE", "give files or folders to send, - for stdin, or --text");
  if (paths.includes("-")) {
    if (paths.length > 1) throw new ConfigError("ERR_USAGE", "- (stdin) is sent alone");
    return streamSource(process.stdin, options.name ?? "stdin");
  }
  return scanPaths(paths, {
    links: options.links === true,
    onWarning: (err) => reporter.warn(err),
  });
}

/** Listens with a fresh code, announces it, prints the receive command, waits for the receiver. */
async function waitWithCode(
  node: WalkieNode,
  options: SendOptions,
  reporter: Reporter,
): Promise<Link> {
  if (options.peer !== undefined)
    throw new ConfigError("ERR_USAGE", "--peer goes with --to HOST:PORT");
  const session = await waitForCodeLink(node, {
    host: options.host,
    port: portOption("--port", options.port ?? "0"),
  });
  onInterrupt(() => session.close());
  const addresses = reachableAddresses(options.host ?? "::", session.port);
  const { code } = session;
  reporter.event("code", { code, nameplate: session.nameplate, port: session.port, addresses });
  if (options.json !== true) {
    const lines = [
      `Code: ${code}`,
      "On the other device, run:",
      `    walkie receive ${code}`,
      ...(addresses[0]
        ? [
            "or, where discovery on the LAN does not work:",
            `    walkie receive ${code} --from ${addresses[0]}`,
          ]
        : []),
      "Waiting for the receiver (Ctrl-C to stop). The code works once.",
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
  }
  try {
    return await session.link;
  } finally {
    await session.close();
  }
}

async function send(
  node: WalkieNode,
  link: Link,
  source: SendSource,
  options: SendOptions,
  reporter: Reporter,
  started: (transfer: Transfer) => void,
): Promise<number> {
  const parallel = Number(options.parallel ?? "3");
  const idle = Number(options.idleTimeout ?? "30");
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16)
    throw new ConfigError("ERR_USAGE", "--parallel wants 1 to 16");
  if (!(idle >= 0)) throw new ConfigError("ERR_USAGE", "--idle-timeout wants seconds");
  const transfer = sendFiles(link, source, { parallel, idleTimeoutMs: idle * 1000 });
  started(transfer);
  onInterrupt(async () => {
    transfer.cancel(new TransferError("ERR_CANCELLED", "the sender stopped (Ctrl-C)"));
    await node.close();
  });
  transfer.on("warning", (err: unknown) => reporter.warn(err));
  reporter.event(
    "offer",
    {
      files: transfer.summary!.files,
      dirs: transfer.summary!.dirs,
      bytes: transfer.summary!.bytes,
      text: source.text !== undefined,
    },
    `walkie: offering ${describeOffer(transfer)}; waiting for ${link.peer.name} to accept`,
  );
  transfer.on("accepted", (event: { doneFiles: number; resumedBytes: number }) => {
    reporter.event(
      "accepted",
      { ...event },
      event.resumedBytes > 0
        ? `walkie: accepted; resuming (${event.resumedBytes} bytes already there)`
        : "walkie: accepted",
    );
  });
  const progress = showProgress(transfer, progressMode(options.json === true), reporter);
  try {
    const result = await transfer.result;
    progress.stop();
    reportDone(transfer, result, reporter);
    await link.close();
    await node.close();
    if (result.failed > 0) {
      reporter.event(
        "incomplete",
        {},
        `walkie: ${result.failed} of the files could not be sent (see the warnings)`,
      );
      return EXIT_FAILURE;
    }
    return 0;
  } finally {
    progress.stop();
  }
}

/** HOST:PORT the receiver could use with --from: the listening host, else this machine's addresses. */
function reachableAddresses(host: string, port: number): string[] {
  if (host !== "::" && host !== "0.0.0.0") return [formatAddress(host, port)];
  const all = Object.values(networkInterfaces()).flatMap((infos) => infos ?? []);
  const usable = all.filter((info) => !info.internal && !/^fe[89ab]/i.test(info.address));
  usable.sort((a, b) => Number(a.family === "IPv6") - Number(b.family === "IPv6"));
  const addresses = usable.map((info) => formatAddress(info.address, port));
  return addresses.length > 0 ? addresses : [formatAddress("127.0.0.1", port)];
}
