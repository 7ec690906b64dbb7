// walkie forward end to end: a serving process and a forwarding process on 127.0.0.1.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { after, test } from "node:test";
import { type CliIdentity, makeIdentity, type WalkieProcess, walkie } from "../helpers/cli.js";

async function tcpEcho(): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on("error", () => {});
    socket.pipe(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  after(() => server.close());
  return (server.address() as { port: number }).port;
}

function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
    socket.end(data);
  });
}

async function startServe(
  server: CliIdentity,
  client: CliIdentity,
  allowForward: string[],
): Promise<{ proc: WalkieProcess; port: number }> {
  const proc = walkie(
    [
      ...["forward", "--serve", "--host", "127.0.0.1", "--port", "0", "--json"],
      ...["--allow", client.id, "--allow-forward", ...allowForward],
    ],
    { home: server.home },
  );
  const event = await proc.waitForEvent("listening");
  return { proc, port: event.port as number };
}

function startForward(
  client: CliIdentity,
  server: CliIdentity,
  linkPort: number,
  target: string,
  extra: string[] = [],
): WalkieProcess {
  return walkie(
    ["forward", "0", `127.0.0.1:${linkPort}`, target, "--peer", server.id, "--json", ...extra],
    { home: client.home },
  );
}

test("walkie forward: TCP connections to the local port reach the allowed target", async () => {
  const [server, client] = await Promise.all([makeIdentity(), makeIdentity()]);
  const echoPort = await tcpEcho();
  const serve = await startServe(server, client, [`127.0.0.1:${echoPort}`]);
  const fwd = startForward(client, server, serve.port, `127.0.0.1:${echoPort}`);
  const { port } = await fwd.waitForEvent("listening");
  const payloads = Array.from({ length: 8 }, (_, i) => randomBytes(10_000 * (i + 1)));
  const echoed = await Promise.all(payloads.map((data) => exchange(port as number, data)));
  for (const [i, data] of echoed.entries()) assert.ok(data.equals(payloads[i]!));
  await serve.proc.waitForEvent("forward-open");
  fwd.kill("SIGINT");
  serve.proc.kill("SIGINT");
  await Promise.all([fwd.waitForExit(), serve.proc.waitForExit()]);
});

test("walkie forward: a target the peer does not allow fails at once, with the reason on both sides", async () => {
  const [server, client] = await Promise.all([makeIdentity(), makeIdentity()]);
  const echoPort = await tcpEcho();
  const serve = await startServe(server, client, [`127.0.0.1:${echoPort}`]);
  const fwd = startForward(client, server, serve.port, "127.0.0.1:22");
  await fwd.expectExit(1);
  assert.equal(fwd.errorCode(), "ERR_FORWARD_NOT_ALLOWED");
  const warning = await serve.proc.waitForEvent("warning");
  assert.equal(warning.code, "ERR_FORWARD_NOT_ALLOWED");
  assert.match(String(warning.message), /127\.0\.0\.1:22/);
  serve.proc.kill("SIGINT");
});

test("walkie forward --udp: datagrams go to the target and replies come back", async () => {
  const [server, client] = await Promise.all([makeIdentity(), makeIdentity()]);
  const target = createSocket("udp4");
  target.on("message", (msg, rinfo) =>
    target.send(Buffer.from(`re:${msg}`), rinfo.port, rinfo.address),
  );
  target.bind(0, "127.0.0.1");
  await once(target, "listening");
  after(() => target.close());
  const targetPort = target.address().port;
  const serve = await startServe(server, client, [`127.0.0.1:${targetPort}/udp`]);
  const fwd = startForward(client, server, serve.port, `127.0.0.1:${targetPort}`, ["--udp"]);
  const { port } = await fwd.waitForEvent("listening");
  const sender = createSocket("udp4");
  after(() => sender.close());
  const replies: string[] = [];
  sender.on("message", (msg) => replies.push(msg.toString()));
  for (const word of ["one", "two", "three"]) sender.send(word, port as number, "127.0.0.1");
  while (replies.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(replies.sort(), ["re:one", "re:three", "re:two"]);
  fwd.kill("SIGINT");
  serve.proc.kill("SIGINT");
});

test("walkie forward --serve refuses to start with nothing allowed", async () => {
  const server = await makeIdentity();
  const proc = walkie(["forward", "--serve", "--json"], { home: server.home });
  await proc.expectExit(2);
  assert.equal(proc.errorCode(), "ERR_USAGE");
});
