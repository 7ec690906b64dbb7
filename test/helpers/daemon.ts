/**
 * Running nodes in the test process, as `walkie up` runs them: a NodeService
 * (discovery off, fast reconnection and sampling) and its web server on
 * 127.0.0.1 with a fresh token, plus a small HTTP client that can send any
 * headers (Host and Origin included).
 */
import { request } from "node:http";
import { after } from "node:test";
import { createNode, NodeService, newToken, type WalkieNode } from "../../src/index.js";
import { startWebServer, type WebServer } from "../../src/web/index.js";
import { tempDir } from "./temp.js";

export interface TestDaemon {
  home: string;
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
  options: { home?: string; port?: number } = {},
): Promise<TestDaemon> {
  const home = options.home ?? tempDir(`walkie-${name}-`);
  const node = await createNode({ home, name, discovery: false });
  const service = new NodeService(node, {
    host: "127.0.0.1",
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
    node,
    service,
    web,
    token,
    close,
    call: (method, path, body, headers) =>
      httpCall(web.port, method, path, body, headers ?? { authorization: `Bearer ${token}` }),
  };
}

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
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
