import {
  ConfigError,
  hasCode,
  type PairingResult,
  parseAddress,
  type WalkieNode,
} from "../../index.js";
import { onInterrupt, openNode, portOption, runningNode } from "../context.js";
import { type ByteStreamOptions, byteStream, releaseByteStreams } from "../link-options.js";
import { createReporter, fail, type Reporter } from "../output.js";
import { joinThroughNode, type PairedReport, waitThroughNode } from "../pair-via-node.js";
import { reachableAddresses } from "../reachable-addresses.js";

interface PairOptions extends ByteStreamOptions {
  name?: string;
  host?: string;
  port?: string;
  from?: string;
  json?: boolean;
}

/** Runs `walkie pair`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(code: string | undefined, options: PairOptions): Promise<void> {
  const json = options.json === true;
  const reporter = createReporter(json);
  try {
    const node = await openNode({ name: options.name });
    node.on("warning", (err: unknown) => reporter.warn(err));
    const control = await runningNode();
    if (control !== undefined) {
      // `walkie up` runs with this home: it pairs, and links with the peer right after.
      const paired =
        code === undefined
          ? await waitThroughNode(control, (shown, nameplate, port, addresses) =>
              showCode(shown, nameplate, port, addresses, reporter, json),
            )
          : await joinThroughNode(control, code, options.from);
      await reportPaired(node, paired, reporter, json);
    } else if (code === undefined) {
      const session = await wait(node, options, reporter);
      try {
        await reportPaired(node, await session.result, reporter, json);
      } finally {
        await session.close(); // goodbye on mDNS before exit
      }
    } else {
      await reportPaired(node, await join(node, code, options), reporter, json);
    }
  } catch (err: unknown) {
    fail(err, json);
    if (hasCode(err, "ERR_PAIRING_CANCELLED")) process.exitCode = 130; // Ctrl-C
  }
  await releaseByteStreams();
  process.exit();
}

async function wait(node: WalkieNode, options: PairOptions, reporter: Reporter) {
  if (options.from !== undefined) {
    throw new ConfigError(
      "ERR_USAGE",
      "--from goes with a code: walkie pair CODE --from HOST:PORT",
    );
  }
  const transport = byteStream(options);
  const session = await node.pairWait({
    host: options.host,
    port: portOption("--port", options.port ?? "0"),
    transport,
  });
  onInterrupt(() => session.close());
  if (transport !== undefined) {
    // Over --stdio, stdout is the link: the code goes to stderr.
    const out = options.stdio ? process.stderr : process.stdout;
    reporter.event("code", {
      code: session.code,
      nameplate: session.nameplate,
      via: transport.name,
    });
    if (options.json !== true) {
      out.write(
        `Pairing code:\n\n      ${session.code}\n\nOn the other device, run:\n` +
          `    walkie pair ${session.code} --serial <its end of the cable>   (or --stdio / --via)\n\n` +
          "Waiting (Ctrl-C to stop). The code works once: a wrong try burns it.\n",
      );
    }
    return session;
  }
  const addresses = reachableAddresses(options.host ?? "::", session.port);
  showCode(
    session.code,
    session.nameplate,
    session.port,
    addresses,
    reporter,
    options.json === true,
  );
  return session;
}

function showCode(
  code: string,
  nameplate: number,
  port: number,
  addresses: string[],
  reporter: Reporter,
  json: boolean,
): void {
  reporter.event("code", { code, nameplate, port, addresses });
  if (!json) {
    const lines = [
      "Pairing code:",
      "",
      `      ${code}`,
      "",
      "On the other device, run:",
      `    walkie pair ${code}`,
      ...(addresses[0] ? ["or, where discovery on the LAN does not work:"] : []),
      ...(addresses[0] ? [`    walkie pair ${code} --from ${addresses[0]}`] : []),
      "",
      "Waiting (Ctrl-C to stop). The code works once: a wrong try burns it.",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}

function join(node: WalkieNode, code: string, options: PairOptions): Promise<PairingResult> {
  if (options.port !== "0" || options.host !== "::") {
    throw new ConfigError("ERR_USAGE", "--host and --port are for the waiting side; use --from");
  }
  const address = options.from === undefined ? {} : parseAddress(options.from);
  onInterrupt(() => node.close());
  return node.pairJoin({ code, ...address, transport: byteStream(options) });
}

async function reportPaired(
  node: WalkieNode,
  peer: PairedReport,
  reporter: Reporter,
  json: boolean,
): Promise<void> {
  const namesakes = (await node.peers.list()).filter(
    (other) => other.id !== peer.id && other.name.toLowerCase() === peer.name.toLowerCase(),
  );
  reporter.event("paired", { id: peer.id, name: peer.name, sas: peer.sas });
  if (json) return;
  const lines = [
    `Paired with ${peer.name}`,
    `  device ID  ${peer.id}`,
    `  check      ${peer.sas.slice(0, 3)} ${peer.sas.slice(3)}  (the other device shows the same digits)`,
    `Links with it need no code now: walkie pipe --to ${JSON.stringify(peer.name)}`,
  ];
  for (const other of namesakes) {
    lines.push(
      `Note: ${other.name} (${other.id}) is paired too under that name; use device IDs, or walkie unpair the old one.`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
