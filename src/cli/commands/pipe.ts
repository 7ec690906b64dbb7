import type { Command } from "commander";
import {
  ConfigError,
  createNode,
  type Link,
  type MuxStream,
  PIPE_SERVICE,
  parseAddress,
  pipeStreams,
  WalkieError,
  type WalkieNode,
} from "../../index.js";
import { createReporter, fail, type Reporter } from "../output.js";

interface PipeOptions {
  listen?: boolean;
  host?: string;
  port?: string;
  allow?: string[];
  to?: string;
  peer?: string;
  json?: boolean;
}

export function registerPipe(program: Command): void {
  program
    .command("pipe")
    .description("encrypted netcat: stdin to the peer's stdout, both ways, with half-close")
    .option("--listen", "wait for the peer to connect")
    .option("--host <host>", "with --listen: address to listen on", "::")
    .option("--port <port>", "with --listen: TCP port (0 = any free port)", "0")
    .option("--allow <device-id...>", "with --listen: device IDs allowed to connect")
    .option("--to <host:port>", "connect to a listening peer")
    .option("--peer <device-id>", "with --to: the device ID expected to answer")
    .option("--json", "NDJSON status events on stderr (listening, connected, closed, error)")
    .action(async (options: PipeOptions) => {
      const reporter = createReporter(options.json === true);
      try {
        const node = await createNode();
        const stream = options.listen
          ? await listenForPeer(node, options, reporter)
          : await dialPeer(node, options, reporter);
        await runPipe(node, stream.stream, stream.link, reporter);
      } catch (err: unknown) {
        fail(err, options.json === true);
        process.exit();
      }
    });
}

async function dialPeer(node: WalkieNode, options: PipeOptions, reporter: Reporter) {
  if (!options.to || !options.peer) {
    throw new ConfigError("ERR_USAGE", "give --listen, or --to HOST:PORT with --peer DEVICE-ID");
  }
  const { host, port } = parseAddress(options.to);
  const link = await node.dial({ host, port, peer: options.peer });
  reportConnected(link, reporter);
  return { link, stream: link.openStream(PIPE_SERVICE) };
}

function listenForPeer(node: WalkieNode, options: PipeOptions, reporter: Reporter) {
  if (!options.allow || options.allow.length === 0) {
    throw new ConfigError("ERR_USAGE", "--listen needs --allow DEVICE-ID (who may connect)");
  }
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError("ERR_USAGE", `--port ${options.port} is not a port number`);
  }
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
      .listen({ host: options.host, port, allow: options.allow ?? [] })
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
    { peer: link.peer.id, name: link.peer.name, address: link.remoteAddress },
    `walkie: connected to ${link.peer.name} (${link.peer.id})`,
  );
}

async function runPipe(
  node: WalkieNode,
  stream: MuxStream,
  link: Link,
  reporter: Reporter,
): Promise<void> {
  const result = await pipeStreams(stream, process.stdin, process.stdout);
  await link.close();
  await node.close();
  reporter.event("closed", { ...result }, undefined);
  process.exit(0);
}
