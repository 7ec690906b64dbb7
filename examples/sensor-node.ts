/**
 * A sensor node and its controller, talking rpc over a Walkie link: the
 * sensor streams readings as notifications and answers commands; the
 * controller prints the readings and sends a few commands. Runs over TCP
 * (here between two terminals, or two machines on a LAN) or over a serial
 * cable (`--serial /dev/ttyUSB0 --baud 115200` on both ends instead of
 * --port and --to; try it with `socat -d -d pty,raw,echo=0 pty,raw,echo=0`).
 *
 *   npm run build                                   # the example imports the built package
 *   npx tsx examples/sensor-node.ts id --home /tmp/sensor    # prints the sensor's device ID
 *   npx tsx examples/sensor-node.ts id --home /tmp/ctl       # and the controller's
 *   npx tsx examples/sensor-node.ts sensor --home /tmp/sensor --port 7000 --allow <ctl-id>
 *   npx tsx examples/sensor-node.ts controller --home /tmp/ctl --to 127.0.0.1:7000 --peer <sensor-id>
 *
 * Without --allow/--peer, paired devices (`walkie pair`) are accepted. Every
 * line printed is one JSON object, so the output is easy to read and to test.
 */
import { parseArgs } from "node:util";
import {
  allowList,
  createNode,
  expectPeer,
  type Link,
  openSerial,
  pairedPolicy,
  parseAddress,
  RpcError,
  RpcRemoteError,
  rpc,
  type WalkieNode,
} from "walkie";

/** What the sensor sends with every `reading` notification and `sensor.read` answer. */
interface Reading {
  seq: number;
  celsius: number;
  humidity: number;
  at: number;
}

interface Config {
  intervalMs: number;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    home: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    allow: { type: "string" },
    to: { type: "string" },
    peer: { type: "string" },
    count: { type: "string", default: "5" },
    serial: { type: "string" },
    baud: { type: "string", default: "115200" },
  },
});

const print = (event: string, fields: object = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

const role = positionals[0];
const node = await createNode({ home: values.home, discovery: false });

if (role === "id") {
  print("id", { id: node.id, name: node.name });
  await node.close();
} else if (role === "sensor") {
  await runSensor(node);
} else if (role === "controller") {
  await runController(node);
} else {
  process.stderr.write(
    "usage: sensor-node.ts id|sensor|controller [options] (see the top of the file)\n",
  );
  process.exitCode = 2;
  await node.close();
}

/** The device: answers commands, and streams readings to every linked controller. */
async function runSensor(node: WalkieNode): Promise<void> {
  const config: Config = { intervalMs: 200 };
  let seq = 0;
  const read = (): Reading => ({
    seq: ++seq,
    celsius: Math.round((20 + 5 * Math.sin(seq / 10)) * 10) / 10,
    humidity: Math.round(40 + 10 * Math.cos(seq / 7)),
    at: Date.now(),
  });

  node.onRequest<null, Reading>("sensor.read", () => read());
  node.onRequest<Partial<Config>, Config>("sensor.configure", (change) => {
    const intervalMs = change?.intervalMs;
    if (typeof intervalMs !== "number" || intervalMs < 10 || intervalMs > 60_000) {
      throw new RpcError("ERR_BAD_INTERVAL", "intervalMs must be 10 to 60000", {
        details: { min: 10, max: 60_000 },
      });
    }
    config.intervalMs = intervalMs;
    return config;
  });
  node.onNotify<{ on: boolean }>("led.set", ({ on }, { link }) => {
    print("led", { on, by: link.peer.name });
  });
  node.on("warning", (err: Error) => print("warning", { message: err.message }));

  node.on("link", (link: Link) => {
    print("linked", { peer: link.peer.id, name: link.peer.name });
    // Stream readings to this controller until the link goes.
    const tick = () => {
      if (link.closed) return;
      rpc(link)
        .notify("reading", read())
        .catch(() => {})
        .finally(() => setTimeout(tick, config.intervalMs));
    };
    tick();
    link.once("close", () => print("unlinked", { peer: link.peer.id }));
  });

  const allow = values.allow?.split(",");
  if (values.serial !== undefined) {
    // Over a cable the sensor waits for the controller's handshake.
    const cable = await openSerial({ path: values.serial, baudRate: Number(values.baud) });
    print("listening", { serial: values.serial, id: node.id });
    const verifyPeer = allow ? allowList(allow) : pairedPolicy(node.peers);
    const link = await node.connect(cable, { isInitiator: false, verifyPeer });
    link.once("close", () => void node.close().then(() => process.exit(0)));
    return;
  }
  const listener = await node.listen({ host: values.host, port: Number(values.port), allow });
  print("listening", { port: listener.port, id: node.id });
  const stop = () => void node.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/** The other end: prints readings, sends commands, then leaves. */
async function runController(node: WalkieNode): Promise<void> {
  const count = Number(values.count);
  let received = 0;
  let enough!: () => void;
  const gotEnough = new Promise<void>((resolve) => {
    enough = resolve;
  });
  node.onNotify<Reading>("reading", (reading) => {
    print("reading", reading);
    if (++received === count) enough();
  });

  let link: Link;
  if (values.serial !== undefined) {
    const cable = await openSerial({ path: values.serial, baudRate: Number(values.baud) });
    const verifyPeer = values.peer ? expectPeer(values.peer) : pairedPolicy(node.peers);
    link = await node.connect(cable, { isInitiator: true, verifyPeer });
  } else if (values.to !== undefined) {
    link = await node.dial({ ...parseAddress(values.to), peer: values.peer });
  } else {
    throw new Error("controller needs --to HOST:PORT or --serial PATH");
  }
  print("linked", { peer: link.peer.id, name: link.peer.name });
  const sensor = rpc(link);

  // A request with a typed answer, and one with a checked answer.
  const now = await sensor.request<Reading>("sensor.read", null, { timeoutMs: 2_000 });
  print("read", now);
  const applied = await sensor.request(
    "sensor.configure",
    { intervalMs: 50 },
    {
      validate: (value) => {
        const ok = typeof value === "object" && value !== null && "intervalMs" in value;
        if (!ok) throw new TypeError("sensor.configure answered something else");
        return value as unknown as Config;
      },
    },
  );
  print("configured", applied);
  // A command the sensor refuses: its error comes back typed.
  try {
    await sensor.request("sensor.configure", { intervalMs: 1 });
  } catch (err: unknown) {
    if (!(err instanceof RpcRemoteError)) throw err;
    print("refused", { code: err.code, message: err.message, details: err.details });
  }
  await sensor.notify("led.set", { on: true });

  await gotEnough;
  print("done", { readings: received });
  await node.close();
}
