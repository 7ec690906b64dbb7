// examples/sensor-node.ts end to end: a sensor process and a controller process on 127.0.0.1.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULT_TIMEOUT_MS, withDeadline } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/sensor-node.ts", import.meta.url));

interface Line {
  event: string;
  [field: string]: unknown;
}

/** Runs the example with `args`; its stdout lines are parsed as they come. */
function runExample(args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--import", "tsx", EXAMPLE, ...args],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  after(() => child.kill("SIGKILL"));
  const lines: Line[] = [];
  let stderr = "";
  const waiters = new Set<() => void>();
  let partial = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text: string) => {
    const parts = (partial + text).split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) if (part.startsWith("{")) lines.push(JSON.parse(part) as Line);
    for (const wake of waiters) wake();
  });
  child.stderr.on("data", (text: Buffer) => {
    stderr += text.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code) => resolve(code)),
  );
  const waitFor = (event: string) =>
    withDeadline(
      new Promise<Line>((resolve) => {
        const check = () => {
          const line = lines.find((l) => l.event === event);
          if (line) {
            waiters.delete(check);
            resolve(line);
          }
        };
        waiters.add(check);
        check();
      }),
      `"${event}" from ${args[0]} (stderr: ${stderr})`,
    );
  return { child, lines, waitFor, exited, stderr: () => stderr };
}

test("the sensor example streams readings and answers commands over TCP", async () => {
  const [sensorHome, controllerHome] = [tempDir(), tempDir()];
  const sensorId = (await runExample(["id", "--home", sensorHome]).waitFor("id")).id as string;
  const controllerId = (await runExample(["id", "--home", controllerHome]).waitFor("id"))
    .id as string;
  const sensor = runExample(["sensor", "--home", sensorHome, "--allow", controllerId]);
  const { port } = await sensor.waitFor("listening");
  const controller = runExample([
    ...["controller", "--home", controllerHome, "--to", `127.0.0.1:${port}`],
    ...["--peer", sensorId, "--count", "4"],
  ]);
  assert.equal(await withDeadline(controller.exited, "controller exit", DEFAULT_TIMEOUT_MS), 0);
  const events = controller.lines.map((l) => l.event);
  assert.deepEqual(
    events.filter((e) => e !== "reading"),
    ["linked", "read", "configured", "refused", "done"],
  );
  assert.equal(controller.lines.filter((l) => l.event === "reading").length, 4);
  const refused = controller.lines.find((l) => l.event === "refused")!;
  assert.equal(refused.code, "ERR_BAD_INTERVAL");
  assert.deepEqual(refused.details, { min: 10, max: 60_000 });
  assert.equal((await sensor.waitFor("led")).on, true);
  await sensor.waitFor("unlinked");
  sensor.child.kill("SIGTERM");
  assert.equal(await withDeadline(sensor.exited, "sensor exit"), 0);
});
