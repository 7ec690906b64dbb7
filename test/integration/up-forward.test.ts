// A running node serves the forwards its settings allow, to its paired
// peers, and logs them; other targets are refused.
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { after, test } from "node:test";
import { startForwarder } from "../../src/index.js";
import { eventually, onlineWith, pair, startDaemon } from "../helpers/daemon.js";

async function echoServer(): Promise<number> {
  const server = createServer((socket) => socket.pipe(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  after(() => server.close());
  return (server.address() as { port: number }).port;
}

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(text));
    let got = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      got += chunk;
    });
    socket.on("end", () => resolve(got));
    socket.on("error", reject);
  });
}

test("a running node serves the forwards it allows to its paired peers, and logs them", async () => {
  const allowed = await echoServer();
  const other = await echoServer();
  const a = await startDaemon("alice");
  const b = await startDaemon("bob", { allowForward: [`127.0.0.1:${allowed}/tcp`] });
  await pair(a, b);
  await eventually("linked", onlineWith(a, b.node.id));
  const link = async () => a.service.keeper.linkFor(b.node.id)!;
  const forwarder = await startForwarder({
    link,
    target: { protocol: "tcp", host: "127.0.0.1", port: allowed },
  });
  after(() => forwarder.close());
  assert.equal(await roundTrip(forwarder.port, "hello through bob"), "hello through bob");
  await eventually("the log on bob's side", () =>
    b.service.log.list().find((e) => /forward for alice to .* opened/.test(e.message)),
  );

  const refused = await startForwarder({
    link,
    target: { protocol: "tcp", host: "127.0.0.1", port: other },
  });
  after(() => refused.close());
  assert.equal(await roundTrip(refused.port, "not allowed").catch(() => ""), "");
  await eventually("the refusal in bob's log", () =>
    b.service.log.list().find((e) => e.code === "ERR_FORWARD_NOT_ALLOWED"),
  );
});
