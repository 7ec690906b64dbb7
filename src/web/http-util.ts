/** Small helpers for the local server's JSON API: bodies, answers, errors. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigError, WalkieError } from "../errors.js";

/** A JSON request body is at most this large (uploads stream elsewhere). */
export const MAX_JSON_BODY = 64 * 1024;

/** An API failure with an HTTP status and a stable code. */
export class HttpError extends WalkieError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

export const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = err instanceof HttpError ? err.status : statusOf(err);
  const code = err instanceof WalkieError ? err.code : "ERR_INTERNAL";
  const message = err instanceof Error ? err.message : String(err);
  sendJson(res, status, { error: { code, message } });
}

function statusOf(err: unknown): number {
  if (!(err instanceof WalkieError)) return 500;
  if (err instanceof ConfigError) return err.code === "ERR_UNKNOWN_PEER" ? 404 : 400;
  return 502; // a peer or link failure: the node is fine, the other side is not
}

/** Reads a JSON object body, refusing more than MAX_JSON_BODY bytes. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("application/json")) {
    throw new HttpError(415, "ERR_BAD_REQUEST", "send JSON (Content-Type: application/json)");
  }
  const body = await readBody(req, MAX_JSON_BODY);
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "ERR_BAD_REQUEST", "the body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "ERR_BAD_REQUEST", "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * The whole body, at most `max` bytes. Past that, the rest is read and
 * dropped (not reset: the client then reads our 413 instead of an error).
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= max) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.resume();
      reject(new HttpError(413, "ERR_TOO_LARGE", "request body too large"));
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** A string field of a request body. */
export function textField(body: Record<string, unknown>, name: string, max = 4096): string {
  const value = body[name];
  if (typeof value !== "string" || value.length === 0 || value.length > max) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `"${name}" must be a non-empty string`);
  }
  return value;
}
