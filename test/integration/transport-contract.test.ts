// One contract, run against every transport: bytes both ways, half-close,
// bulk with backpressure, and a vanished peer being noticed.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { describe, test } from "node:test";
import { createMemoryDuplexPair, dialTcp, listenTcp } from "../../src/transport/index.js";
import { tempDir } from "../helpers/temp.js";

type PairFactory = () => Promise<{ a: Duplex; b: Duplex; close: () => Promise<void> }>;

function tcpPair(host: string): PairFactory {
  return async () => {
    let accepted!: (socket: Socket) => void;
    const incoming = new Promise<Socket>((resolve) => {
      accepted = resolve;
    });
    const listener = await listenTcp({ host, port: 0 }, (socket) => accepted(socket));
    const a = await dialTcp({ host, port: listener.port });
    const b = await incoming;
    return { a, b, close: () => closeAll(a, b, listener.close()) };
  };
}

const unixPair: PairFactory = async () => {
  const path = join(tempDir("walkie-unix-"), "sock");
  let accepted!: (socket: Socket) => void;
  const incoming = new Promise<Socket>((resolve) => {
    accepted = resolve;
  });
  const server = createServer({ allowHalfOpen: true }, (socket) => accepted(socket));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const a = connect({ path, allowHalfOpen: true });
  await new Promise((resolve) => a.once("connect", resolve));
  const b = await incoming;
  return {
    a,
    b,
    close: () => closeAll(a, b, new Promise<void>((resolve) => server.close(() => resolve()))),
  };
};

async function closeAll(a: Duplex, b: Duplex, closing: Promise<void>): Promise<void> {
  a.destroy();
  b.destroy();
  await closing;
}

const memoryPair: PairFactory = async () => {
  const [a, b] = createMemoryDuplexPair();
  return { a, b, close: () => closeAll(a, b, Promise.resolve()) };
};

function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

const transports: Record<string, PairFactory> = {
  "tcp over IPv4": tcpPair("127.0.0.1"),
  "tcp over IPv6": tcpPair("::1"),
  "unix socket": unixPair,
  "in-memory pair": memoryPair,
};

for (const [name, makePair] of Object.entries(transports)) {
  describe(`transport contract: ${name}`, () => {
    test("carries bytes both ways at once", async () => {
      const { a, b, close } = await makePair();
      const fromA = readAll(b);
      const fromB = readAll(a);
      a.end("hello from a");
      b.end("hello from b");
      assert.equal((await fromA).toString(), "hello from a");
      assert.equal((await fromB).toString(), "hello from b");
      await close();
    });

    test("half-close ends one direction only", async () => {
      const { a, b, close } = await makePair();
      const atB = readAll(b);
      a.end("question");
      assert.equal((await atB).toString(), "question");
      // b can still answer after a's direction ended.
      const atA = readAll(a);
      b.end("answer");
      assert.equal((await atA).toString(), "answer");
      await close();
    });

    test("moves 16 MiB intact with backpressure", async () => {
      const { a, b, close } = await makePair();
      const data = randomBytes(16 * 1024 * 1024);
      const received = readAll(b);
      for (let offset = 0; offset < data.length; offset += 100_000) {
        if (!a.write(data.subarray(offset, offset + 100_000))) {
          await new Promise((resolve) => a.once("drain", resolve));
        }
      }
      a.end();
      const got = await received;
      assert.equal(
        createHash("sha256").update(got).digest("hex"),
        createHash("sha256").update(data).digest("hex"),
      );
      b.end();
      await close();
    });

    test("a destroyed peer is noticed", async () => {
      const { a, b, close } = await makePair();
      // A socket sees FIN ('end') or a reset ('error'); either must arrive.
      const closed = new Promise((resolve) => {
        b.once("end", resolve);
        b.once("error", resolve);
        b.once("close", resolve);
      });
      b.resume();
      a.destroy();
      await closed;
      await close();
    });
  });
}
