import { resolve } from "node:path";
import { type LogEntry, NodeService, newToken } from "../../index.js";
import { startWebServer, type WebServer } from "../../web/index.js";
import { openNode } from "../context.js";
import { holdRunFile, rememberPorts, withFallbackPort } from "../node-state.js";
import { createReporter, fail, type Reporter } from "../output.js";

interface UpOptions {
  host: string;
  port?: string;
  uiPort?: string;
  ui: boolean;
  inbox?: string;
  allowForward?: string[];
  name?: string;
  json?: boolean;
}

/** Runs `walkie up`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(options: UpOptions): Promise<void> {
  const json = options.json === true;
  const reporter = createReporter(json);
  try {
    await runUp(options, reporter);
  } catch (err: unknown) {
    fail(err, json);
    process.exit();
  }
}

async function runUp(options: UpOptions, reporter: Reporter): Promise<void> {
  const node = await openNode({ name: options.name });
  const lock = await holdRunFile(node);
  let web: WebServer | undefined;
  let service: NodeService | undefined;
  const stop = async () => {
    await web?.close();
    await service?.close();
    await lock.release();
  };
  try {
    const ports = await rememberPorts(node.home);
    const inbox = options.inbox === undefined ? undefined : resolve(options.inbox);
    service = new NodeService(node, {
      host: options.host,
      inbox,
      allowForward: options.allowForward,
    });
    service.log.on("entry", (entry) => printLog(entry, reporter));
    const started = service;
    await withFallbackPort("--port", options.port, ports.port, (port) => started.start({ port }));
    const token = newToken();
    web = await withFallbackPort("--ui-port", options.uiPort, ports.uiPort, (port) =>
      startWebServer({ service: started, token, port, ui: options.ui }),
    );
    await lock.update({ port: service.port, control: web.origin, token, ui: options.ui });
    await ports.save({ port: service.port, uiPort: web.port });
    announce(node.name, node.id, service.port, web, options.ui, reporter, options.json === true);
  } catch (err: unknown) {
    await stop().catch(() => {});
    throw err;
  }
  onStopSignal(stop);
}

function announce(
  name: string,
  id: string,
  port: number,
  web: WebServer,
  ui: boolean,
  reporter: Reporter,
  json: boolean,
): void {
  reporter.event("up", { id, name, port, control: web.origin, ui: ui ? web.uiUrl : null });
  if (json) return;
  const lines = [
    `Walkie is up: ${name}  ${id}`,
    `  peers link to port ${port}`,
    ui ? `  web UI: ${web.uiUrl}` : `  control API: ${web.origin} (no web UI)`,
    "  Ctrl-C to stop.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function printLog(entry: LogEntry, reporter: Reporter): void {
  const time = new Date(entry.t).toTimeString().slice(0, 8);
  const code = entry.code ? ` (${entry.code})` : "";
  reporter.event("log", { ...entry }, `${time} ${entry.message}${code}`);
}

/** Ctrl-C or SIGTERM: a clean shutdown, then exit 0. A second signal exits at once. */
function onStopSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping = true;
    const timer = setTimeout(() => process.exit(1), 10_000);
    stop()
      .catch((err: unknown) => fail(err, false))
      .finally(() => {
        clearTimeout(timer);
        process.exit();
      });
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
