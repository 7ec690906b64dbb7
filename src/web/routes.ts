/**
 * The API's routing: a table of (method, path pattern, handler), filled by
 * api.ts and api-files.ts, and every route behind the guard in server.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NodeService } from "../node/index.js";
import { HttpError, sendJson } from "./http-util.js";

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  service: NodeService;
}

type Handler = (ctx: ApiContext) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const routes: Route[] = [];

/** Adds a route; a handler's resolved value is sent as JSON (undefined: it answered itself). */
export function route(method: string, pattern: RegExp, handler: Handler): void {
  routes.push({ method, pattern, handler });
}

/** Finds the route for a request. @throws HttpError 404 or 405 */
export function findRoute(method: string, path: string): { handler: Handler; params: string[] } {
  let pathMatched = false;
  for (const candidate of routes) {
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (candidate.method === method) {
      return { handler: candidate.handler, params: match.slice(1).map(decodeURIComponent) };
    }
  }
  if (pathMatched) throw new HttpError(405, "ERR_BAD_REQUEST", `${method} is not allowed here`);
  throw new HttpError(404, "ERR_NOT_FOUND", `no such API: ${path}`);
}

/** Runs the route for a request; a resolved value is sent as JSON. @throws HttpError 404, 405 */
export async function handleApi(ctx: ApiContext): Promise<void> {
  const { handler, params } = findRoute(ctx.req.method ?? "GET", ctx.url.pathname);
  const value = await handler({ ...ctx, params });
  if (value !== undefined) sendJson(ctx.res, 200, value);
}
