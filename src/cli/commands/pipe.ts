import { createReadStream, createWriteStream } from "node:fs";
import { Readable, Writable } from "node:stream";
import {
  ConfigError,
  type ControlClient,
  type Link,
  type MuxStream,
  PIPE_SERVICE,
  parseAddress,
  pipeStreams,
  WalkieError,
  type WalkieNode,
} from "../../index.js";
import { onInterrupt, openNode, portOption, runningNode } from "../context.js";
import { dataInput, dataOutput } from "../data-stdio.js";
import {
  type ByteStreamOptions,
  byteStreamKind,
  dialTo,
  linkOverByteStream,
  listenAllowList,
  releaseByteStreams,
} from "../link-options.js";
import { createReporter, fail, type Reporter } from "../output.js";
import { pipeThroughNode } from "../pipe-via-node.js";

interface PipeOptions extends ByteStreamOptions {
  input?: string;
  output?: string;
  listen?: boolean;
  host?: string;
  port?: string;
  allow?: string[];
  to?: string;
  peer?: string;
  json?: boolean;
}

/** Runs `walkie pipe`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(options: PipeOptions): Promise<void> {
  const reporter = createReporter(options.json === true);
  try {
    const control = throughNode(options) ? await runningNode() : undefined;
    if (control !== undefined) {
      await pipeViaNode(control, options, reporter);
      return;
    }
    const node = await openNode();
    node.on("warning", (err: unknown) => reporter.warn(err));
    onInterrupt(() => node.close());
    const stream = byteStreamKind(options)
      ? await overByteStream(node, options, reporter)
      : options.listen
        ? await listenForPeer(node, options, reporter)
        : await dialPeer(node, options, reporter);
    await runPipe(node, stream.stream, stream.link, reporter, options);
  } catch (err: unknown) {
    fail(err, options.json === true);
    process.exit();
  }
}

/**
 * With `walkie up` running on this home, a pipe to a paired peer by name, or
 * --listen on the default port, goes through the node's links.
 */
function throughNode(options: PipeOptions): boolean {
  if (byteStreamKind(options) !== undefined) return false;
  if (options.listen) return options.port === "0" && options.host === "::";
  if (options.to === undefined || options.peer !== undefined) return false;
  try {
    parseAddress(options.to);
    return false;
  } catch {
    return true;
  }
}

async function pipeViaNode(control: ControlClient, options: PipeOptions, reporter: Reporter) {
  if (options.listen) {
    reporter.event(
      "listening",
      { via: control.info.control, id: control.info.id },
      `walkie: waiting for a pipe through the running node (pid ${control.info.pid})`,
    );
  }
  const pipe = await pipeThroughNode(
    control.info,
    options.listen ? { allow: options.allow } : { to: options.to! },
  );
  reporter.event(
    "connected",
    { peer: pipe.peer.id, name: pipe.peer.name, address: pipe.address, via: control.info.control },
    `walkie: connected to ${pipe.peer.name} (${pipe.peer.id}) through the running node`,
  );
  onInterrupt(async () => pipe.stream.destroy());
  const { input, output } = openData(options);
  const result = await pipeStreams(pipe.stream, input, output);
  reporter.event("closed", { ...result }, undefined);
  process.exit(0);
}

/** Over --stdio, --via or --serial: one link, one pipe stream. */
async function overByteStream(node: WalkieNode, options: PipeOptions, reporter: Reporter) {
  if (options.stdio && options.input === undefined && options.output === undefined) {
    throw new ConfigError(
      "ERR_USAGE",
      "with --stdio the link uses stdin/stdout: give the data with --input FILE and/or --output FILE",
    );
  }
  const incoming = options.listen
    ? new Promise<MuxStream>((resolve) => {
        node.handle(PIPE_SERVICE, (stream) => {
          resolve(stream);
          node.handle(PIPE_SERVICE, (extra) => extra.reset("ERR_BUSY"));
        });
      })
    : undefined;
  const link = await linkOverByteStream(node, options, {
    listen: options.listen === true,
    peers: options.listen ? options.allow : options.peer !== undefined ? [options.peer] : undefined,
  });
  reportConnected(link, reporter);
  link.once("close", (err?: WalkieError) => {
    if (err) {
      fail(err, options.json === true);
      process.exit();
    }
  });
  return { link, stream: incoming ? await incoming : link.openStream(PIPE_SERVICE) };
}

async function dialPeer(node: WalkieNode, options: PipeOptions, reporter: Reporter) {
  if (!options.to) {
    throw new ConfigError("ERR_USAGE", "give --listen, or --to PEER (or --to HOST:PORT)");
  }
  const link = await dialTo(node, options.to, options.peer);
  reportConnected(link, reporter);
  return { link, stream: link.openStream(PIPE_SERVICE) };
}

async function listenForPeer(node: WalkieNode, options: PipeOptions, reporter: Reporter) {
  const port = portOption("--port", options.port ?? "0");
  const allow = await listenAllowList(node, options.allow, "--listen");
  return new Promise<{ link: Link; stream: MuxStream }>((resolve, reject) => {
    let taken = false;
    node.handle(PIPE_SERVICE, (stream, link) => {
      if (taken) {
        stream.reset("ERR_BUSY");
        return;
      }
      taken = true;
      resolve({ link, stream });
    });
    node.on("link", (link: Link) => reportConnected(link, reporter));
    node.on("link-error", (err: unknown) => {
      // The peer we allow refused us: fatal. Anyone else failing: keep waiting.
      if (err instanceof WalkieError && err.code === "ERR_PEER_REFUSED_US") reject(err);
      else reporter.warn(err);
    });
    node
      .listen({ host: options.host, port, allow, announce: allow === undefined })
      .then((listener) => {
        reporter.event(
          "listening",
          { host: listener.host, port: listener.port, id: node.id },
          `walkie: listening on port ${listener.port} as ${node.id}`,
        );
      })
      .catch(reject);
  });
}

function reportConnected(link: Link, reporter: Reporter): void {
  reporter.event(
    "connected",
    {
      peer: link.peer.id,
      name: link.peer.name,
      address: link.remoteAddress,
      crypto: link.recordCrypto,
    },
    `walkie: connected to ${link.peer.name} (${link.peer.id})`,
  );
}

async function runPipe(
  node: WalkieNode,
  stream: MuxStream,
  link: Link,
  reporter: Reporter,
  options: PipeOptions,
): Promise<void> {
  const { input, output } = openData(options);
  const result = await pipeStreams(stream, input, output);
  await link.close();
  await node.close();
  await releaseByteStreams();
  reporter.event("closed", { ...result }, undefined);
  process.exit(0);
}

/** Where the data comes from and goes: --input/--output files, else stdin/stdout (nothing over --stdio). */
function openData(options: PipeOptions): { input: Readable; output: Writable } {
  const overStdio = options.stdio === true;
  const input = options.input
    ? createReadStream(options.input)
    : overStdio
      ? Readable.from([])
      : dataInput();
  const output = options.output
    ? createWriteStream(options.output)
    : overStdio
      ? new Writable({ write: (_chunk, _encoding, done) => done() })
      : dataOutput();
  return { input, output };
}
