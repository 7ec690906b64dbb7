// walkie chat in a real terminal (a pty from util-linux `script`): what comes
// in is printed above the prompt and the half-typed line is drawn again below it.
import { spawn, spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { CLI_PATH, makeIdentity, walkie, withDeadline } from "../helpers/cli.js";

const HAVE_SCRIPT = spawnSync("script", ["--version"]).status === 0;

test("incoming messages never garble the line being typed", {
  skip: HAVE_SCRIPT ? false : "util-linux script is not installed",
}, async () => {
  const [alice, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
  const aliceChat = walkie(["chat", bob.id, "--json"], {
    home: alice.home,
    env: { WALKIE_DISCOVERY: "off" },
  });
  const { port } = await aliceChat.waitForEvent("listening");
  const command = [
    `'${process.execPath}' '${CLI_PATH}' chat ${alice.id}`,
    `--to 127.0.0.1:${port} --no-tcp-listen`,
  ].join(" ");
  const term = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { ...process.env, WALKIE_HOME: bob.home, WALKIE_DISCOVERY: "off", TERM: "xterm" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  after(() => term.kill("SIGKILL"));
  let screen = "";
  term.stdout.on("data", (chunk: Buffer) => {
    screen += chunk.toString("utf8");
  });
  const until = (what: RegExp) =>
    withDeadline(
      (async () => {
        while (!what.test(screen)) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      `${what} on the terminal (so far: ${JSON.stringify(screen)})`,
    );
  await until(/is online/);
  term.stdin.write("half typ");
  await until(/half typ/);
  aliceChat.child.stdin.write(`${JSON.stringify({ text: "hello from alice" })}\n`);
  // The message goes above, then the prompt comes back with the half-typed line.
  await until(/hello from alice\r?\n[^\n]*> half typ/);
  term.stdin.write("ed\r");
  await until(/me: half typed/);
  await withDeadline(
    (async () => {
      while (!aliceChat.stdoutText.includes('"text":"half typed"')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })(),
    "the typed line at alice's side",
  );
  term.stdin.write("/quit\r");
  aliceChat.child.stdin.end();
  await aliceChat.expectExit(0);
});
