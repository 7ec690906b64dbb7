/**
 * Who may talk to the local server: only this machine (it binds 127.0.0.1),
 * only under its own host name (a `Host` of 127.0.0.1:PORT or
 * localhost:PORT, which defeats DNS rebinding), only from its own pages (an
 * `Origin`, when sent, must be the server's own), and for the API, the
 * event stream and /metrics, only with the per-start token.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export type GuardResult =
  | { ok: true }
  | { ok: false; status: 401 | 403; code: string; message: string };

export interface GuardOptions {
  port: number;
  token: string;
}

/** The origins the server's own pages have. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** Host and Origin checks, for every request (pages too). */
export function checkSite(req: IncomingMessage, options: GuardOptions): GuardResult {
  const host = req.headers.host?.toLowerCase();
  if (host === undefined || !ownOrigins(options.port).includes(`http://${host}`)) {
    return refuse(403, "ERR_BAD_HOST", `requests must be addressed to 127.0.0.1:${options.port}`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !ownOrigins(options.port).includes(origin.toLowerCase())) {
    return refuse(403, "ERR_BAD_ORIGIN", "requests from other sites are refused");
  }
  // Browsers mark cross-site requests even where they leave Origin out.
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return refuse(403, "ERR_BAD_ORIGIN", "requests from other sites are refused");
  }
  return { ok: true };
}

/** The token check: `Authorization: Bearer TOKEN`, or `?token=` (the event stream). */
export function checkToken(req: IncomingMessage, url: URL, options: GuardOptions): GuardResult {
  const header = req.headers.authorization;
  const given = header?.startsWith("Bearer ") ? header.slice(7) : url.searchParams.get("token");
  if (given === null || given === undefined || !sameSecret(given, options.token)) {
    return refuse(
      401,
      "ERR_BAD_TOKEN",
      "a valid access token is needed (see the URL walkie up printed)",
    );
  }
  return { ok: true };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(status: 401 | 403, code: string, message: string): GuardResult {
  return { ok: false, status, code, message };
}
