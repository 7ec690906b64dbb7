import {
  ConfigError,
  checkForward,
  type ForwardEvent,
  type Forwarder,
  type ForwardTarget,
  formatTarget,
  type Link,
  parseTarget,
  startForwarder,
  type WalkieError,
  type WalkieNode,
} from "../../index.js";
import { onInterrupt, openNode, portOption, runningNode } from "../context.js";
import {
  type ByteStreamOptions,
  byteStreamKind,
  dialTo,
  linkOverByteStream,
  listenAllowList,
  releaseByteStreams,
} from "../link-options.js";
import { createReporter, fail, type Reporter } from "../output.js";

interface ForwardOptions extends ByteStreamOptions {
  udp?: boolean;
  bind?: string;
  peer?: string;
  serve?: boolean;
  allowForward?: string[];
  host?: string;
  port?: string;
  allow?: string[];
  listen?: boolean;
  json?: boolean;
}

/** Runs `walkie forward`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(
  localPort: string | undefined,
  peer: string | undefined,
  target: string | undefined,
  options: ForwardOptions,
): Promise<void> {
  const reporter = createReporter(options.json === true);
  try {
    const node = await openNode();
    node.on("warning", (err: unknown) => reporter.warn(err));
    if (options.serve) {
      if (localPort !== undefined) {
        throw new ConfigError("ERR_USAGE", "--serve takes no LOCAL_PORT PEER TARGET");
      }
      await serve(node, options, reporter);
    } else {
      await forward(node, { localPort, peer, target }, options, reporter);
    }
  } catch (err: unknown) {
    fail(err, options.json === true);
    process.exit();
  }
}

interface ForwardArgs {
  localPort: string | undefined;
  peer: string | undefined;
  target: string | undefined;
}

async function forward(
  node: WalkieNode,
  args: ForwardArgs,
  options: ForwardOptions,
  reporter: Reporter,
): Promise<void> {
  const overStream = byteStreamKind(options) !== undefined;
  if (args.localPort === undefined || args.peer === undefined) {
    throw new ConfigError(
      "ERR_USAGE",
      "usage: walkie forward LOCAL_PORT PEER HOST:PORT [--udp] (or --serve on the other side)",
    );
  }
  // Over a byte stream the peer is whoever is on the other end: PEER is then the target.
  const targetText = args.target ?? (overStream ? args.peer : undefined);
  if (targetText === undefined) throw new ConfigError("ERR_USAGE", "give the target HOST:PORT");
  const target = parseTarget(targetText, options.udp ? "udp" : "tcp");
  const port = portOption("LOCAL_PORT", args.localPort);
  const getLink = await linkSource(node, args, options, reporter);
  const first = await getLink();
  await checkForward(first, target);
  const forwarder = await startForwarder({
    link: getLink,
    target,
    host: options.bind,
    port,
    onEvent: (event) => {
      if (event.type === "error") reporter.warn(event.error);
      else
        reporter.event(event.type === "open" ? "forward-open" : "forward-close", {
          from: event.from,
        });
    },
  });
  onInterrupt(() => closeAll(forwarder, node));
  reporter.event(
    "listening",
    {
      host: forwarder.host,
      port: forwarder.port,
      target: formatTarget(target),
      peer: first.peer.id,
    },
    `walkie: forwarding ${options.udp ? "udp " : ""}${forwarder.host}:${forwarder.port} to ${formatTarget(target)} on ${first.peer.name}`,
  );
}

/** Where each forwarded connection gets its link: the one we have, or a fresh one if it dropped. */
async function linkSource(
  node: WalkieNode,
  args: ForwardArgs,
  options: ForwardOptions,
  reporter: Reporter,
): Promise<() => Promise<Link>> {
  if (byteStreamKind(options) !== undefined) {
    const expected = options.peer ?? (args.target !== undefined ? args.peer : undefined);
    const link = await linkOverByteStream(node, options, {
      listen: options.listen === true,
      peers: expected !== undefined ? [expected] : undefined,
    });
    reportLinked(link, reporter);
    // One cable, one link: when it goes, so do we.
    link.once("close", (err?: WalkieError) => {
      if (err) fail(err, options.json === true);
      void releaseByteStreams().finally(() => process.exit());
    });
    return async () => link;
  }
  let current: Promise<Link> | undefined;
  return () => {
    if (current === undefined) {
      const dialing = dialTo(node, args.peer!, options.peer);
      current = dialing;
      dialing.then(
        (link) => {
          reportLinked(link, reporter);
          link.once("close", () => {
            if (current === dialing) current = undefined;
          });
        },
        () => {
          if (current === dialing) current = undefined;
        },
      );
    }
    return current;
  };
}

async function serve(node: WalkieNode, options: ForwardOptions, reporter: Reporter): Promise<void> {
  const allowed = options.allowForward ?? [];
  if (allowed.length === 0) {
    throw new ConfigError(
      "ERR_USAGE",
      "--serve needs --allow-forward HOST:PORT (without it every forward would be refused)",
    );
  }
  node.setAllowForward(allowed);
  node.on("forward", (event: ForwardEvent) => reportServed(event, reporter));
  if (byteStreamKind(options) !== undefined) {
    const link = await linkOverByteStream(node, options, {
      listen: options.listen !== false,
      peers: options.allow,
    });
    reportLinked(link, reporter);
    onInterrupt(() => node.close());
    link.once("close", (err?: WalkieError) => {
      if (err) fail(err, options.json === true);
      void releaseByteStreams().finally(() => process.exit());
    });
    return;
  }
  const port = portOption("--port", options.port ?? "0");
  const control = options.allow === undefined ? await runningNode() : undefined;
  if (control !== undefined) {
    // Its paired peers link to the node: a second listener under the same name would split them.
    throw new ConfigError(
      "ERR_NODE_RUNNING",
      `the node running with this home (pid ${control.info.pid}) serves paired peers' forwards: start it with walkie up --allow-forward ${allowed.join(" ")} (or set allowForward in its config.json)`,
    );
  }
  const allow = await listenAllowList(node, options.allow, "--serve");
  node.on("link", (link: Link) => reportLinked(link, reporter));
  node.on("link-error", (err: unknown) => reporter.warn(err));
  const listener = await node.listen({
    host: options.host,
    port,
    allow,
    announce: allow === undefined,
  });
  onInterrupt(() => node.close());
  reporter.event(
    "listening",
    { host: listener.host, port: listener.port, id: node.id, allowForward: allowed },
    `walkie: serving forwards to ${allowed.join(", ")} on port ${listener.port} as ${node.id}`,
  );
}

function reportServed(event: ForwardEvent, reporter: Reporter): void {
  if (event.type === "error") {
    reporter.warn(event.error);
    return;
  }
  const target = formatTarget(event.target as ForwardTarget);
  reporter.event(
    event.type === "open" ? "forward-open" : "forward-close",
    { peer: event.peer, target },
    event.type === "open" ? `walkie: ${event.peer} opened a forward to ${target}` : undefined,
  );
}

function reportLinked(link: Link, reporter: Reporter): void {
  reporter.event(
    "connected",
    { peer: link.peer.id, name: link.peer.name, address: link.remoteAddress },
    `walkie: connected to ${link.peer.name} (${link.peer.id})`,
  );
}

async function closeAll(forwarder: Forwarder, node: WalkieNode): Promise<void> {
  await forwarder.close();
  await node.close();
  await releaseByteStreams();
}
