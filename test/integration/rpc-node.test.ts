// The rpc service between two nodes in one process, linked in memory.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import {
  type CborValue,
  hasCode,
  RPC_SERVICE,
  RpcError,
  RpcRemoteError,
  rpc,
  type WalkieError,
} from "../../src/index.js";
import { frameMessage } from "../../src/services/message-framing.js";
import { encodeRpcMessage, RpcMessageType } from "../../src/services/rpc/messages.js";
import { withDeadline } from "../helpers/cli.js";
import { linkedNodes } from "../helpers/linked-nodes.js";

interface Reading {
  channel: number;
  celsius: number;
}

test("a request gets its typed answer; bytes and structured values both travel", async () => {
  const { a, b, ab, ba } = await linkedNodes();
  b.onRequest<{ channel: number }, Reading>("sensor.read", ({ channel }, context) => {
    assert.equal(context.link.peer.id, a.id);
    return { channel, celsius: 21.5 };
  });
  b.onRequest<Uint8Array, Uint8Array>("bytes.reverse", (bytes) => Uint8Array.from(bytes).reverse());
  a.onRequest("who", async (_payload, context) => context.link.peer.name);

  const reading = await rpc(ab).request<Reading>("sensor.read", { channel: 3 });
  assert.deepEqual(reading, { channel: 3, celsius: 21.5 });
  const reversed = await rpc(ab).request("bytes.reverse", new Uint8Array([1, 2, 3]));
  assert.deepEqual(Uint8Array.from(reversed as Uint8Array), new Uint8Array([3, 2, 1]));
  // Either end may call the other.
  assert.equal(await rpc(ba).request("who"), "bob");
  // A validator gives the answer its type, or refuses it.
  const celsius = await rpc(ab).request(
    "sensor.read",
    { channel: 1 },
    {
      validate: (value: CborValue) => {
        const r = value as Partial<Reading>;
        if (typeof r.celsius !== "number") throw new TypeError("no celsius");
        return r.celsius;
      },
    },
  );
  assert.equal(celsius, 21.5);
  await assert.rejects(
    rpc(ab).request(
      "sensor.read",
      { channel: 1 },
      {
        validate: () => {
          throw new TypeError("wrong shape");
        },
      },
    ),
    TypeError,
  );
});

test("notifications reach their handler, in order", async () => {
  const { b, ab } = await linkedNodes();
  const seen: number[] = [];
  const all = new Promise<void>((resolve) =>
    b.onNotify<{ n: number }>("tick", ({ n }) => {
      seen.push(n);
      if (n === 99) resolve();
    }),
  );
  for (let n = 0; n < 100; n++) await rpc(ab).notify("tick", { n });
  await all;
  assert.deepEqual(
    seen,
    Array.from({ length: 100 }, (_, n) => n),
  );
});

test("many concurrent requests share one link and all get their own answer", async () => {
  const { b, ab } = await linkedNodes();
  b.onRequest<number, number>("square", async (n) => {
    await new Promise((resolve) => setImmediate(resolve));
    return n * n;
  });
  const answers = await Promise.all(
    Array.from({ length: 1000 }, (_, n) => rpc(ab).request<number>("square", n)),
  );
  assert.deepEqual(
    answers,
    Array.from({ length: 1000 }, (_, n) => n * n),
  );
});

test("a request to an unknown service fails with ERR_UNKNOWN_SERVICE; the link survives", async () => {
  const { b, ab } = await linkedNodes();
  b.onRequest("known", () => "yes");
  await assert.rejects(rpc(ab).request("nope"), (err: unknown) => {
    assert.ok(err instanceof RpcRemoteError);
    assert.equal(err.code, "ERR_UNKNOWN_SERVICE");
    assert.equal(err.service, "nope");
    return true;
  });
  assert.equal(await rpc(ab).request("known"), "yes");
});

test("a handler's RpcError comes back typed with its details; other throws as ERR_HANDLER_FAILED", async () => {
  const { b, ab } = await linkedNodes();
  b.onRequest("sensor.read", () => {
    throw new RpcError("ERR_SENSOR_OFFLINE", "sensor 3 is offline", { details: { sensor: 3 } });
  });
  b.onRequest("buggy", () => {
    throw new Error("secret internal detail");
  });
  b.onRequest("rejects", () => Promise.reject(new Error("async failure")));
  const warnings: WalkieError[] = [];
  b.on("warning", (err: WalkieError) => warnings.push(err));

  await assert.rejects(rpc(ab).request("sensor.read"), (err: unknown) => {
    assert.ok(err instanceof RpcRemoteError);
    assert.equal(err.code, "ERR_SENSOR_OFFLINE");
    assert.equal(err.message, "sensor 3 is offline");
    assert.deepEqual(err.details, { sensor: 3 });
    return true;
  });
  for (const service of ["buggy", "rejects"]) {
    await assert.rejects(rpc(ab).request(service), (err: unknown) => {
      assert.ok(err instanceof RpcRemoteError);
      assert.equal(err.code, "ERR_HANDLER_FAILED");
      assert.doesNotMatch(err.message, /secret|async failure/);
      return true;
    });
  }
  // The real reason stays on the answering side, as a warning.
  assert.deepEqual(
    warnings.map((w) => w.code),
    ["ERR_HANDLER_FAILED", "ERR_HANDLER_FAILED"],
  );
  assert.match(warnings[0]!.message, /secret internal detail/);
});

test("a request times out with ERR_RPC_TIMEOUT and the handler sees the cancel", async () => {
  const { b, ab } = await linkedNodes();
  const cancelled = new Promise<void>((resolve) =>
    b.onRequest("slow", (_payload, { signal }) => {
      signal.addEventListener("abort", () => resolve());
      return new Promise(() => {});
    }),
  );
  await assert.rejects(rpc(ab).request("slow", null, { timeoutMs: 50 }), (err) =>
    hasCode(err, "ERR_RPC_TIMEOUT"),
  );
  await cancelled;
  const controller = new AbortController();
  const aborted = rpc(ab).request("slow", null, { signal: controller.signal });
  controller.abort();
  await assert.rejects(aborted, (err) => hasCode(err, "ERR_ABORTED"));
});

test("a dropped link rejects pending requests with ERR_LINK_CLOSED", async () => {
  const { b, ab, ba } = await linkedNodes();
  const started = new Promise<void>((resolve) =>
    b.onRequest("hang", () => {
      resolve();
      return new Promise(() => {});
    }),
  );
  const pending = Promise.allSettled([rpc(ab).request("hang"), rpc(ab).request("hang")]);
  await started;
  ba.destroy();
  for (const result of await pending) {
    assert.equal(result.status, "rejected");
    assert.ok(hasCode(result.reason, "ERR_LINK_CLOSED"), String(result.reason));
  }
  await assert.rejects(rpc(ab).request("hang"), (err) => hasCode(err, "ERR_LINK_CLOSED"));
});

test("a message over the size limit is refused before it is sent; the link survives", async () => {
  const { b, ab } = await linkedNodes();
  b.onRequest("echo", (payload) => payload);
  b.onRequest("big", () => new Uint8Array(2 * 1024 * 1024));
  await assert.rejects(rpc(ab).request("echo", new Uint8Array(2 * 1024 * 1024)), (err) =>
    hasCode(err, "ERR_RPC_TOO_LARGE"),
  );
  await assert.rejects(rpc(ab).notify("echo", new Uint8Array(2 * 1024 * 1024)), (err) =>
    hasCode(err, "ERR_RPC_TOO_LARGE"),
  );
  // An answer over the limit comes back as an error instead.
  await assert.rejects(rpc(ab).request("big"), (err) => hasCode(err, "ERR_RPC_TOO_LARGE"));
  await assert.rejects(rpc(ab).request("echo", [undefined]), (err) =>
    hasCode(err, "ERR_RPC_ENCODE"),
  );
  assert.equal(await rpc(ab).request("echo", "still here"), "still here");
});

test("a flood of requests: bounded on both sides, ERR_BUSY beyond the caller's limit", async () => {
  const { b, ab } = await linkedNodes({ rpc: { maxConcurrent: 8 } });
  let running = 0;
  let peak = 0;
  b.onRequest("work", async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, 1));
    running--;
    return "done";
  });
  const client = rpc(ab, { maxPending: 500 });
  const results = await Promise.allSettled(
    Array.from({ length: 5000 }, () => client.request("work")),
  );
  const busy = results.filter((r) => r.status === "rejected");
  assert.equal(busy.length, 4500);
  assert.ok(busy.every((r) => hasCode(r.reason, "ERR_BUSY")));
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 500);
  assert.ok(peak <= 8, `peak ${peak} handlers at once`);
  assert.equal(await client.request("work"), "done");
});

test("a peer that floods past its limits is held back by flow control, not buffered", async () => {
  const { b, ab } = await linkedNodes({ rpc: { maxConcurrent: 4 } });
  let started = 0;
  const release: Array<() => void> = [];
  b.onRequest("stall", () => {
    started++;
    return new Promise<string>((resolve) => release.push(() => resolve("ok")));
  });
  // A raw writer that ignores every limit but the stream's own flow control.
  const raw = ab.openStream(RPC_SERVICE);
  raw.on("data", () => {});
  raw.on("error", () => {});
  let accepted = 0;
  const flood = (async () => {
    for (let id = 1; id <= 64 * 1024 && !raw.destroyed; id++) {
      const frame = frameMessage(
        encodeRpcMessage({
          type: RpcMessageType.Request,
          id,
          service: "stall",
          payload: new Uint8Array(1024),
        }),
      );
      const ok = raw.write(frame, (err) => {
        if (!err) accepted += frame.length;
      });
      if (!ok) await new Promise((resolve) => raw.once("drain", resolve).once("close", resolve));
    }
  })();
  while (started < 4) await new Promise((resolve) => setTimeout(resolve, 10));
  // Let the writer run as far as it can get.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(started, 4);
  assert.ok(accepted < 4 * 1024 * 1024, `${accepted} bytes accepted of 64 MiB`);
  for (const done of release.splice(0)) done();
  raw.destroy();
  await flood;
});

test("garbage on the rpc stream resets it with ERR_RPC_INVALID; the link survives", async () => {
  const { b, ab } = await linkedNodes();
  b.onRequest("ping", () => "pong");
  const warned = new Promise<WalkieError>((resolve) => b.once("warning", resolve));
  const raw = ab.openStream(RPC_SERVICE);
  raw.write(Buffer.from("00000003ffffff", "hex"));
  const reset = await new Promise<unknown>((resolve) => raw.once("error", resolve));
  assert.equal((reset as { remoteCode?: string }).remoteCode, "ERR_RPC_INVALID");
  assert.equal((await warned).code, "ERR_RPC_INVALID");
  const huge = ab.openStream(RPC_SERVICE);
  huge.write(Buffer.from("7fffffff", "hex"));
  const tooLarge = await new Promise<unknown>((resolve) => huge.once("error", resolve));
  assert.equal((tooLarge as { remoteCode?: string }).remoteCode, "ERR_RPC_TOO_LARGE");
  assert.equal(await rpc(ab).request("ping"), "pong");
});

test("an idle rpc client does not hold up a graceful close", async () => {
  const { b, ab } = await linkedNodes();
  b.onRequest("ping", () => "pong");
  assert.equal(await rpc(ab).request("ping"), "pong");
  const closed = new Promise<unknown>((resolve) => ab.once("close", resolve));
  await ab.close({ timeoutMs: 30_000 });
  assert.equal(await closed, undefined);
});

test("a program that makes a request and closes its nodes exits at once (no timer keeps it alive)", async () => {
  const helpers = new URL("../helpers/linked-nodes.ts", import.meta.url).href;
  const library = new URL("../../src/index.ts", import.meta.url).href;
  const script = `
    const { linkedNodes } = await import(${JSON.stringify(helpers)});
    const { rpc } = await import(${JSON.stringify(library)});
    const { a, b, ab } = await linkedNodes();
    b.onRequest("double", (n) => n * 2);
    if ((await rpc(ab).request("double", 21)) !== 42) process.exit(3);
    await Promise.all([a.close(), b.close()]);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  // A request's 30 s timeout timer used to outlive its answer and hold the process.
  const [code] = await withDeadline(once(child, "exit"), "the program's exit", 20_000);
  assert.equal(code, 0);
});
