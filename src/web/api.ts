/**
 * The JSON API over a running node (status, peers, history, log, pairing,
 * metrics), for the web UI and the CLI: one small handler per route, each a
 * thin call into NodeService. Files routes are in api-files.ts.
 */
import { type NodeService, PROMETHEUS_CONTENT_TYPE, resolvePeer } from "../node/index.js";
import { parseAddress } from "../transport/index.js";
import { readJson, SECURITY_HEADERS, textField } from "./http-util.js";
import { route } from "./routes.js";

/** The paired peer that `text` names (name, device ID or prefix). */
export async function peerId(service: NodeService, text: string): Promise<string> {
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
