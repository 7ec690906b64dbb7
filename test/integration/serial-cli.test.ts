// The CLI over byte streams between real processes: walkie pipe, forward,
// pair and send/receive over a virtual serial cable (socat pty pair), walkie
// pipe and send --via a command running the other side with --stdio, and the
// sensor example over a cable.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CLI_PATH, makeIdentity, walkie, withDeadline } from "../helpers/cli.js";
import { HAVE_SOCAT, ptyPair } from "../helpers/socat.js";
import { tempDir } from "../helpers/temp.js";

const skip = HAVE_SOCAT ? false : "socat is not installed";
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

test("walkie pipe --serial: data crosses a serial cable, encrypted, both ways", {
  skip,
}, async () => {
  const [one, two] = await ptyPair();
  const [sender, receiver] = await Promise.all([makeIdentity(), makeIdentity()]);
  const out = join(tempDir(), "received.bin");
  const listening = walkie(
    ["pipe", "--serial", two, "--listen", "--allow", sender.id, "--output", out, "--json"],
    { home: receiver.home },
  );
  listening.feed(Buffer.from("reply from the far end"));
  const data = randomBytes(3 * 1024 * 1024);
  const sending = walkie(
    ["pipe", "--serial", one, "--baud", "115200", "--peer", receiver.id, "--json"],
    {
      home: sender.home,
    },
  );
  const fed = sending.feed(data);
  await Promise.all([sending.expectExit(0), listening.expectExit(0)]);
  assert.equal(await fed, undefined);
  assert.equal(sha(readFileSync(out)), sha(data));
  assert.equal((await sending.stdout).data?.toString(), "reply from the far end");
  assert.equal((await sending.waitForEvent("connected")).peer, receiver.id);
});

test("walkie pipe --serial: a device that is not there is a clear error", { skip }, async () => {
  const me = await makeIdentity();
  const proc = walkie(["pipe", "--serial", "/dev/walkie-no-such-tty", "--peer", me.id, "--json"], {
    home: me.home,
  });
  proc.child.stdin.end();
  await proc.expectExit(1);
  assert.equal(proc.errorCode(), "ERR_SERIAL_OPEN");
});

test("walkie pipe --via runs `walkie pipe --stdio` and links over its stdio", async () => {
  const [sender, receiver] = await Promise.all([makeIdentity(), makeIdentity()]);
  const out = join(tempDir(), "via.bin");
  const remote = [
    `WALKIE_HOME='${receiver.home}'`,
    `'${process.execPath}' '${CLI_PATH}' pipe --stdio --listen --allow ${sender.id} --output '${out}'`,
  ].join(" ");
  const data = randomBytes(1024 * 1024);
  const proc = walkie(["pipe", "--via", remote, "--peer", receiver.id, "--json"], {
    home: sender.home,
  });
  const fed = proc.feed(data);
  await proc.expectExit(0);
  assert.equal(await fed, undefined);
  assert.equal(sha(readFileSync(out)), sha(data));
});

test("walkie forward over a serial cable reaches the allowed target", { skip }, async () => {
  const [one, two] = await ptyPair();
  const [client, server] = await Promise.all([makeIdentity(), makeIdentity()]);
  const echo = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  echo.listen(0, "127.0.0.1");
  await once(echo, "listening");
  after(() => echo.close());
  const target = `127.0.0.1:${(echo.address() as { port: number }).port}`;
  const serve = walkie(
    [
      "forward",
      "--serve",
      "--serial",
      two,
      "--allow",
      client.id,
      "--allow-forward",
      target,
      "--json",
    ],
    { home: server.home },
  );
  const fwd = walkie(["forward", "0", target, "--serial", one, "--peer", server.id, "--json"], {
    home: client.home,
  });
  const { port } = await fwd.waitForEvent("listening");
  const data = randomBytes(200_000);
  const echoed = await withDeadline(
    new Promise<Buffer>((resolve, reject) => {
      const socket = connect({ port: port as number, host: "127.0.0.1", allowHalfOpen: true });
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("end", () => resolve(Buffer.concat(chunks)));
      socket.on("error", reject);
      socket.end(data);
    }),
    "the echo through the cable",
  );
  assert.ok(echoed.equals(data));
  fwd.kill("SIGINT");
  await Promise.all([fwd.waitForExit(), serve.waitForExit()]);
});

test("walkie pair over a serial cable: a code, then both store each other", { skip }, async () => {
  const [one, two] = await ptyPair();
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const waiting = walkie(["pair", "--serial", two, "--json"], { home: alice.home });
  const { code } = await waiting.waitForEvent("code");
  const joining = walkie(["pair", String(code), "--serial", one, "--json"], { home: bob.home });
  await Promise.all([waiting.expectExit(0), joining.expectExit(0)]);
  const [paidA, paidB] = [
    await waiting.waitForEvent("paired"),
    await joining.waitForEvent("paired"),
  ];
  assert.equal(paidA.id, bob.id);
  assert.equal(paidB.id, alice.id);
  assert.equal(paidA.sas, paidB.sas);
  // Paired: chat over the same cable needs no IDs now.
  const bobChat = walkie(["chat", alice.name, "--serial", one, "--listen", "--json"], {
    home: bob.home,
  });
  const aliceChat = walkie(["chat", bob.id, "--serial", two, "--send"], { home: alice.home });
  aliceChat.feed(Buffer.from("paired over a cable\n"));
  await aliceChat.expectExit(0);
  bobChat.kill("SIGINT");
  await bobChat.waitForExit();
  assert.match(bobChat.stdoutText, /paired over a cable/);
});

test("walkie pair over a serial cable with a wrong code fails on both sides", {
  skip,
}, async () => {
  const [one, two] = await ptyPair();
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const waiting = walkie(["pair", "--serial", two, "--json"], { home: alice.home });
  const { code } = await waiting.waitForEvent("code");
  const wrong = String(code).replace(/-[a-z]+$/, (word) =>
    word === "-apple" ? "-zebra" : "-apple",
  );
  const joining = walkie(["pair", wrong, "--serial", one, "--json"], { home: bob.home });
  await Promise.all([waiting.expectExit(1), joining.expectExit(1)]);
  assert.equal(waiting.errorCode(), "ERR_BAD_CODE");
  assert.equal(joining.errorCode(), "ERR_BAD_CODE");
});

test("walkie send/receive over a serial cable by one-time code: a folder arrives whole", {
  skip,
}, async () => {
  const [one, two] = await ptyPair();
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const folder = join(tempDir(), "photos");
  mkdirSync(join(folder, "2026"), { recursive: true });
  const big = randomBytes(700_000);
  writeFileSync(join(folder, "2026", "big.bin"), big);
  writeFileSync(join(folder, "note.txt"), "over the cable\n");
  const sending = walkie(["send", folder, "--serial", two, "--json"], { home: alice.home });
  const shown = await sending.waitForEvent("code");
  assert.equal(shown.via, two);
  const out = tempDir();
  const receiving = walkie(
    ["receive", String(shown.code), "--serial", one, "--yes", "--out", out, "--json"],
    { home: bob.home },
  );
  await Promise.all([sending.expectExit(0), receiving.expectExit(0)]);
  assert.equal(sha(readFileSync(join(out, "photos", "2026", "big.bin"))), sha(big));
  assert.equal(readFileSync(join(out, "photos", "note.txt"), "utf8"), "over the cable\n");
  assert.equal((await receiving.waitForEvent("connected")).peer, alice.id);
});

test("walkie send/receive over a serial cable with a wrong code fails on both sides", {
  skip,
}, async () => {
  const [one, two] = await ptyPair();
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const sending = walkie(["send", "--text", "secret", "--serial", two, "--json"], {
    home: alice.home,
  });
  const { code } = await sending.waitForEvent("code");
  const wrong = String(code).replace(/-[a-z]+$/, (word) =>
    word === "-apple" ? "-zebra" : "-apple",
  );
  const receiving = walkie(["receive", wrong, "--serial", one, "--yes", "--json"], {
    home: bob.home,
  });
  await Promise.all([sending.expectExit(1), receiving.expectExit(1)]);
  const both = `sender:\n${sending.stderr}\nreceiver:\n${receiving.stderr}`;
  assert.equal(sending.errorCode(), "ERR_BAD_CODE", both);
  assert.equal(receiving.errorCode(), "ERR_BAD_CODE", both);
  assert.doesNotMatch(receiving.stdoutText, /secret/);
});

test("walkie send --to ID --via runs `walkie receive --listen --stdio` at the far end", async () => {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const file = join(tempDir(), "report.bin");
  const data = randomBytes(300_000);
  writeFileSync(file, data);
  const out = tempDir();
  const remote = [
    `WALKIE_HOME='${bob.home}'`,
    `'${process.execPath}' '${CLI_PATH}' receive --listen --stdio --allow ${alice.id} --yes --out '${out}'`,
  ].join(" ");
  const sending = walkie(["send", file, "--to", bob.id, "--via", remote, "--json"], {
    home: alice.home,
  });
  await sending.expectExit(0);
  assert.equal((await sending.waitForEvent("connected")).peer, bob.id);
  assert.equal(sha(readFileSync(join(out, "report.bin"))), sha(data));
});

test("walkie receive --stdio without --yes is a usage error (stdin is the link)", async () => {
  const me = await makeIdentity();
  const proc = walkie(["receive", "--listen", "--stdio", "--allow", me.id, "--json"], {
    home: me.home,
  });
  await proc.expectExit(2);
  assert.equal(proc.errorCode(), "ERR_USAGE");
});

test("the sensor example runs over a serial cable", { skip }, async () => {
  const [one, two] = await ptyPair();
  const example = fileURLToPath(new URL("../../examples/sensor-node.ts", import.meta.url));
  const run = (args: string[]) => {
    const child = spawn(process.execPath, ["--import", "tsx", example, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    after(() => child.kill("SIGKILL"));
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    return {
      exited,
      lines: () =>
        out
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { event: string }),
    };
  };
  const [sensorHome, controllerHome] = [tempDir(), tempDir()];
  const idOf = async (home: string) => {
    const proc = run(["id", "--home", home]);
    await proc.exited;
    return (proc.lines()[0] as unknown as { id: string }).id;
  };
  const [sensorId, controllerId] = [await idOf(sensorHome), await idOf(controllerHome)];
  const sensor = run(["sensor", "--home", sensorHome, "--serial", two, "--allow", controllerId]);
  const controller = run([
    ...["controller", "--home", controllerHome, "--serial", one],
    ...["--peer", sensorId, "--count", "3"],
  ]);
  assert.equal(await withDeadline(controller.exited, "controller exit"), 0);
  assert.equal(await withDeadline(sensor.exited, "sensor exit"), 0);
  const events = controller.lines().map((l) => l.event);
  assert.deepEqual(
    events.filter((e) => e !== "reading"),
    ["linked", "read", "configured", "refused", "done"],
  );
  assert.ok(sensor.lines().some((l) => l.event === "led"));
});
