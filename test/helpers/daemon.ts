/**
 * Running nodes in the test process, as `walkie up` runs them: a NodeService
 * (discovery off, fast reconnection and sampling) and its web server on
 * 127.0.0.1 with a fresh token, plus a small HTTP client that can send any
 * headers (Host and Origin included).
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { after } from "node:test";
import { createNode, NodeService, newToken, type WalkieNode } from "../../src/index.js";
import { startWebServer, type WebServer } from "../../src/web/index.js";
import { tempDir } from "./temp.js";

export interface TestDaemon {
  home: string;
  /** Where received files go: `<home>/inbox`. */
  inbox: string;
  node: WalkieNode;
  service: NodeService;
  web: WebServer;
  token: string;
  /** Calls the API with the token (unless `headers` replace it). */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the API answered
  json: any;
}

export async function startDaemon(
  name: string,
  options: { home?: string; port?: number; allowForward?: string[] } = {},
): Promise<TestDaemon> {
  const home = options.home ?? tempDir(`walkie-${name}-`);
  const node = await createNode({ home, name, discovery: false });
  const service = new NodeService(node, {
    host: "127.0.0.1",
    inbox: join(home, "inbox"),
    allowForward: options.allowForward,
    keeper: { minDelayMs: 100, maxDelayMs: 500, yieldMs: 50, dialTimeoutMs: 2000 },
    sampleMs: 200,
  });
  await service.start({ port: options.port });
  const token = newToken();
  const web = await startWebServer({ service, token });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await web.close();
    await service.close();
  };
  after(close);
  return {
    home,
    inbox: join(home, "inbox"),
    node,
    service,
    web,
    token,
    close,
    call: (method, path, body, headers) =>
      httpCall(web.port, method, path, body, headers ?? { authorization: `Bearer ${token}` }),
  };
}

/** Pairs two running nodes through their APIs (A waits with a code, B joins it). */
export async function pair(a: TestDaemon, b: TestDaemon): Promise<void> {
  const waiting = await a.call("POST", "/api/pair/wait", {});
  assert.equal(waiting.status, 200, waiting.text);
  assert.equal(waiting.json.state, "waiting");
  const from = `127.0.0.1:${waiting.json.addresses.at(-1).split(":").at(-1)}`;
  const joined = await b.call("POST", "/api/pair/join", { code: waiting.json.code, from });
  assert.equal(joined.status, 200, joined.text);
  assert.equal(joined.json.peer.id, a.node.id);
  assert.match(joined.json.sas, /^\d{6}$/);
}

/** A check for `eventually`: the daemon has `peerId` online. */
export const onlineWith = (daemon: TestDaemon, peerId: string) => async () => {
  const peers = (await daemon.call("GET", "/api/peers")).json;
  return peers.paired.find(
    (peer: { id: string; online: boolean }) => peer.id === peerId && peer.online,
  );
};

/** One HTTP request to 127.0.0.1:port with exactly these headers (Host defaults to the right one). */
export function httpCall(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const payload =
    body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
