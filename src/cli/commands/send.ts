import {
  type CodeWaitSession,
  ConfigError,
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
import { describeOffer } from "../files/common.js";
import { progressMode, reportDone, showProgress } from "../files/progress.js";
import { resumeHint } from "../files/resume-hint.js";
import { sendThroughNode } from "../files/send-via-node.js";
import {
  type ByteStreamOptions,
  byteStream,
  dialTo,
  linkOverByteStream,
  releaseByteStreams,
} from "../link-options.js";
import { createReporter, EXIT_FAILURE, fail, type Reporter } from "../output.js";
import { reachableAddresses } from "../reachable-addresses.js";

interface SendOptions extends ByteStreamOptions {
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

/** Runs `walkie send`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(paths: string[], options: SendOptions): Promise<void> {
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
    const link = await connect(node, options, reporter);
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
  await releaseByteStreams();
  process.exit();
}

/**
 * The link to send on: to a peer by name or address over TCP, to the peer at
 * the other end of a byte stream, or to whoever joins with a fresh code.
 */
async function connect(node: WalkieNode, options: SendOptions, reporter: Reporter): Promise<Link> {
  if (byteStream(options) !== undefined && options.to !== undefined) {
    if (options.peer !== undefined) {
      throw new ConfigError("ERR_USAGE", "over a byte stream --to names the peer; drop --peer");
    }
    return linkOverByteStream(node, options, { listen: false, peers: [options.to] });
  }
  if (options.to !== undefined) return dialTo(node, options.to, options.peer);
  return waitWithCode(node, options, reporter);
}

/** Files to a paired peer by name can go through a running node (over TCP). */
function viaNode(paths: string[], options: SendOptions): boolean {
  if (options.to === undefined || options.text !== undefined || paths.includes("-")) return false;
  if (byteStream(options) !== undefined) return false;
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
    if (options.stdio === true) {
      throw new ConfigError(
        "ERR_USAGE",
        "with --stdio, stdin is the link: send files instead of -",
      );
    }
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
  const transport = byteStream(options);
  const session = await waitForCodeLink(node, {
    host: options.host,
    port: portOption("--port", options.port ?? "0"),
    transport,
  });
  onInterrupt(() => session.close());
  showCode(session, options, reporter, transport?.name);
  try {
    return await session.link;
  } finally {
    await session.close();
  }
}

/** The code and the receive command for it, on stderr (stdout may be the link). */
function showCode(
  session: CodeWaitSession,
  options: SendOptions,
  reporter: Reporter,
  via: string | undefined,
): void {
  const { code, nameplate, port } = session;
  const addresses = via === undefined ? reachableAddresses(options.host ?? "::", port) : [];
  reporter.event(
    "code",
    via === undefined ? { code, nameplate, port, addresses } : { code, nameplate, via },
  );
  if (options.json === true) return;
  const lines = [`Code: ${code}`, "On the other device, run:"];
  if (via !== undefined) {
    lines.push(`    walkie receive ${code} --serial <its end of the cable>   (or --stdio / --via)`);
  } else {
    lines.push(`    walkie receive ${code}`);
    if (addresses[0]) {
      lines.push("or, where discovery on the LAN does not work:");
      lines.push(`    walkie receive ${code} --from ${addresses[0]}`);
    }
  }
  lines.push("Waiting for the receiver (Ctrl-C to stop). The code works once.");
  process.stderr.write(`${lines.join("\n")}\n`);
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
