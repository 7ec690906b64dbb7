import { resolve } from "node:path";
import {
  ConfigError,
  FILES_SERVICE,
  FilesReceiver,
  joinCodeLink,
  type Link,
  LinkError,
  parseAddress,
  type ReceiveTransfer,
  TransferError,
  type WalkieNode,
} from "../../index.js";
import { onInterrupt, openNode, portOption, runningNode } from "../context.js";
import { askYesNo, reportOffer } from "../files/common.js";
import { progressMode, reportDone, showProgress } from "../files/progress.js";
import { resumeHint } from "../files/resume-hint.js";
import {
  type ByteStreamOptions,
  byteStream,
  linkOverByteStream,
  listenAllowList,
  releaseByteStreams,
} from "../link-options.js";
import { createReporter, EXIT_FAILURE, fail, type Reporter } from "../output.js";

interface ReceiveOptions extends ByteStreamOptions {
  from?: string;
  out?: string;
  yes?: boolean;
  overwrite?: boolean;
  listen?: boolean;
  host?: string;
  port?: string;
  allow?: string[];
  idleTimeout?: string;
  json?: boolean;
}

/** Runs `walkie receive`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(code: string | undefined, options: ReceiveOptions): Promise<void> {
  const json = options.json === true;
  const reporter = createReporter(json);
  let transfer: ReceiveTransfer | undefined;
  try {
    const idle = Number(options.idleTimeout ?? "30");
    if (!(idle >= 0)) throw new ConfigError("ERR_USAGE", "--idle-timeout wants seconds");
    if ((code === undefined) === (options.listen !== true)) {
      throw new ConfigError("ERR_USAGE", "give the sender's code, or --listen for a paired sender");
    }
    if (options.stdio === true && options.yes !== true) {
      throw new ConfigError("ERR_USAGE", "with --stdio, stdin is the link: add --yes");
    }
    const node = await openNode();
    node.on("warning", (err: unknown) => reporter.warn(err));
    // On Ctrl-C the sender is told, and the .part files are kept for a resume.
    onInterrupt(async () => {
      await transfer?.cancel(new TransferError("ERR_CANCELLED", "the receiver stopped (Ctrl-C)"));
      await node.close();
    });
    let taken: ReceiveTransfer | undefined;
    const receiver = new FilesReceiver({
      outDir: resolve(options.out ?? "."),
      overwrite: options.overwrite === true,
      idleTimeoutMs: idle * 1000,
      decide: async (incoming) => {
        if (incoming !== taken) return false; // one transfer per run: a second offer is declined
        reportOffer(incoming, reporter);
        if (options.yes === true) return true;
        return askYesNo("Accept? [y/N] ");
      },
    });
    const first = new Promise<ReceiveTransfer>((resolveTransfer) => {
      receiver.on("transfer", (incoming: ReceiveTransfer) => {
        if (taken !== undefined) return;
        taken = incoming;
        resolveTransfer(incoming);
      });
    });
    node.handle(FILES_SERVICE, receiver.handler);
    const link =
      code !== undefined
        ? await join(node, code, options)
        : await listen(node, options, reporter, first);
    reporter.event(
      "connected",
      { peer: link.peer.id, name: link.peer.name, address: link.remoteAddress },
      `walkie: connected to ${link.peer.name} (${link.peer.id})`,
    );
    transfer = await Promise.race([first, closedBeforeOffer(link)]);
    process.exitCode = await receive(node, transfer, options, reporter);
  } catch (err: unknown) {
    fail(resumeHint(err, transfer), json);
  }
  await releaseByteStreams();
  process.exit();
}

function join(node: WalkieNode, code: string, options: ReceiveOptions): Promise<Link> {
  if (options.port !== "0" || options.host !== "::" || options.allow !== undefined) {
    throw new ConfigError("ERR_USAGE", "--host, --port and --allow go with --listen; use --from");
  }
  const transport = byteStream(options);
  if (transport !== undefined && options.from !== undefined) {
    throw new ConfigError("ERR_USAGE", "--from is for TCP; over a byte stream drop it");
  }
  const address = options.from === undefined ? {} : parseAddress(options.from);
  return joinCodeLink(node, { code, ...address, transport });
}

/** Listens for a paired or allowed sender; resolves with the link of the first transfer. */
async function listen(
  node: WalkieNode,
  options: ReceiveOptions,
  reporter: Reporter,
  first: Promise<ReceiveTransfer>,
): Promise<Link> {
  if (options.from !== undefined) throw new ConfigError("ERR_USAGE", "--from goes with a code");
  if (byteStream(options) !== undefined) {
    // One link over the cable or stdio, from the sender named by --allow or a paired one.
    const link = await linkOverByteStream(node, options, { listen: true, peers: options.allow });
    reporter.event(
      "listening",
      { via: link.remoteAddress, id: node.id },
      `walkie: linked over ${link.remoteAddress}; waiting for the offer`,
    );
    return (await Promise.race([first, closedBeforeOffer(link)])).link;
  }
  const control = await runningNode();
  if (control !== undefined) {
    const { inbox } = await control.get<{ inbox: string | null }>("/api/transfers");
    throw new ConfigError(
      "ERR_NODE_RUNNING",
      `the node running with this home (pid ${control.info.pid}) receives files from paired peers into ${inbox}; see walkie status`,
    );
  }
  const allow = await listenAllowList(node, options.allow, "--listen");
  node.on("link-error", (err: unknown) => reporter.warn(err));
  const listener = await node.listen({
    host: options.host,
    port: portOption("--port", options.port ?? "0"),
    allow,
    announce: allow === undefined,
  });
  reporter.event(
    "listening",
    { host: listener.host, port: listener.port, id: node.id },
    `walkie: listening on port ${listener.port} as ${node.id}`,
  );
  const transfer = await first;
  await listener.close();
  return transfer.link;
}

function closedBeforeOffer(link: Link): Promise<never> {
  return new Promise((_, reject) => {
    link.once("close", (err?: Error) => {
      reject(
        err ??
          new LinkError(
            "ERR_LINK_CLOSED",
            `${link.peer.name} closed the link without offering anything`,
          ),
      );
    });
  });
}

async function receive(
  node: WalkieNode,
  transfer: ReceiveTransfer,
  options: ReceiveOptions,
  reporter: Reporter,
): Promise<number> {
  transfer.on("warning", (err: unknown) => reporter.warn(err));
  transfer.on("accepted", (event: { doneFiles: number; resumedBytes: number }) =>
    reporter.event("accepted", { ...event }),
  );
  const progress = showProgress(transfer, progressMode(options.json === true), reporter);
  try {
    const result = await transfer.result;
    progress.stop();
    reportDone(transfer, result, reporter);
    if (result.text !== undefined) {
      // Over --stdio, stdout is the link: the text goes to stderr.
      const out = options.stdio === true ? process.stderr : process.stdout;
      out.write(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
    }
    await transfer.link.close();
    await node.close();
    if (result.failed > 0) {
      reporter.event(
        "incomplete",
        {},
        `walkie: ${result.failed} of the files did not arrive (see the warnings)`,
      );
      return EXIT_FAILURE;
    }
    return 0;
  } finally {
    progress.stop();
  }
}
