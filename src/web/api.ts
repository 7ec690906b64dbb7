/**
 * The JSON API over a running node, for the web UI and the CLI: one small
 * handler per route, each a thin call into NodeService. Every route is
 * behind the guard (host, origin, token) in server.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type NodeService, PROMETHEUS_CONTENT_TYPE, resolvePeer } from "../node/index.js";
import { parseAddress } from "../transport/index.js";
import { HttpError, readJson, SECURITY_HEADERS, sendJson, textField } from "./http-util.js";

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

export async function handleApi(ctx: ApiContext): Promise<void> {
  const { handler, params } = findRoute(ctx.req.method ?? "GET", ctx.url.pathname);
  const value = await handler({ ...ctx, params });
  if (value !== undefined) sendJson(ctx.res, 200, value);
}

/** The paired peer that `text` names (name, device ID or prefix). */
async function peerId(service: NodeService, text: string): Promise<string> {
  return resolvePeer(await service.node.peers.list(), text).id;
}

route("GET", /^\/api\/status$/, ({ service }) => service.status());
route("GET", /^\/api\/peers$/, ({ service }) => service.peers());
route("GET", /^\/api\/log$/, async ({ service, url }) => ({
  entries: service.log.list(Number(url.searchParams.get("after") ?? 0) || 0),
}));
route("GET", /^\/api\/history$/, async ({ service, url }) => {
  const peer = url.searchParams.get("peer");
  return service.monitor.history(peer === null ? undefined : await peerId(service, peer));
});
route("DELETE", /^\/api\/peers\/([^/]+)$/, async ({ service, params }) => ({
  removed: await service.unpair(await peerId(service, params[0]!)),
}));

route("GET", /^\/api\/pair$/, async ({ service }) => service.pairing.state);
route("POST", /^\/api\/pair\/wait$/, ({ service }) => service.pairing.wait());
route("POST", /^\/api\/pair\/cancel$/, async ({ service }) => {
  await service.pairing.cancel();
  return service.pairing.state;
});
route("POST", /^\/api\/pair\/join$/, async ({ service, req }) => {
  const body = await readJson(req);
  const code = textField(body, "code", 200);
  const from = typeof body.from === "string" && body.from.trim() ? body.from.trim() : undefined;
  const address = from === undefined ? {} : parseAddress(from);
  const peer = await service.pairJoin({ code, ...address });
  return { peer: { id: peer.id, name: peer.name }, sas: peer.sas };
});

route("GET", /^\/metrics$/, async ({ service, res }) => {
  const body = service.metrics.render();
  res.writeHead(200, { ...SECURITY_HEADERS, "content-type": PROMETHEUS_CONTENT_TYPE });
  res.end(body);
  return undefined;
});
