/**
 * Files through the API: the transfers (list, answer an offer, cancel),
 * sending local paths (the CLI, on the same machine), uploads from the
 * browser (announce the files, stream each as a raw PUT body, then commit),
 * and the per-peer auto-accept setting.
 */
import { resolve } from "node:path";
import type { NodeService } from "../node/index.js";
import { peerId } from "./api.js";
import { HttpError, readJson } from "./http-util.js";
import { route } from "./routes.js";

async function pairedPeer(
  service: NodeService,
  text: unknown,
): Promise<{ id: string; name: string }> {
  if (typeof text !== "string" || text === "") {
    throw new HttpError(400, "ERR_BAD_REQUEST", '"peer" names a paired peer');
  }
  const id = await peerId(service, text);
  const peer = (await service.node.peers.get(id))!;
  return { id, name: peer.name };
}

function transferOf(service: NodeService, id: string) {
  const record = service.files.desk.get(id);
  if (record === undefined) throw new HttpError(404, "ERR_NOT_FOUND", `no transfer ${id}`);
  return record;
}

route("GET", /^\/api\/transfers$/, async ({ service }) => ({
  transfers: service.files.list(),
  inbox: service.files.inbox ?? null,
}));

// Local paths: for the CLI on this machine (the node reads them as this user).
route("POST", /^\/api\/transfers$/, async ({ service, req }) => {
  const body = await readJson(req);
  const peer = await pairedPeer(service, body.peer);
  const paths = body.paths;
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === "string")) {
    throw new HttpError(400, "ERR_BAD_REQUEST", '"paths" lists the files and folders to send');
  }
  if (body.links !== undefined && typeof body.links !== "boolean") {
    throw new HttpError(400, "ERR_BAD_REQUEST", '"links" is true or false');
  }
  return service.files.desk.send(
    peer.id,
    peer.name,
    paths.map((p: string) => resolve(p)),
    { links: body.links === true },
  );
});

route(
  "POST",
  /^\/api\/transfers\/([0-9a-f]+)\/(accept|reject|cancel)$/,
  async ({ service, params }) => {
    const [id, action] = params as [string, string];
    const record = transferOf(service, id);
    let done: boolean;
    if (action === "cancel") {
      await service.files.outbox.cancel(id); // an upload still coming: its files go too
      done = service.files.desk.cancel(id);
    } else {
      done = service.files.desk.answer(id, action === "accept");
    }
    if (!done)
      throw new HttpError(409, "ERR_TRANSFER_STATE", `the transfer is ${record.view.state}`);
    return { ...record.view };
  },
);

route("POST", /^\/api\/uploads$/, async ({ service, req }) => {
  const body = await readJson(req);
  const peer = await pairedPeer(service, body.peer);
  return service.files.outbox.create(peer.id, peer.name, body.files as never);
});

route("PUT", /^\/api\/uploads\/([0-9a-f]+)\/(\d+)$/, async ({ service, req, params }) => {
  await service.files.outbox.receive(params[0]!, Number(params[1]), req);
  return { ok: true };
});

route("POST", /^\/api\/uploads\/([0-9a-f]+)\/commit$/, async ({ service, params }) =>
  service.files.outbox.commit(params[0]!),
);

route("GET", /^\/api\/settings$/, async ({ service }) => ({
  inbox: service.files.inbox ?? null,
  autoAccept: service.files.config.value.autoAccept,
}));

route("POST", /^\/api\/peers\/([^/]+)\/settings$/, async ({ service, req, params }) => {
  const body = await readJson(req);
  const peer = await pairedPeer(service, params[0]);
  if (typeof body.autoAccept !== "boolean") {
    throw new HttpError(400, "ERR_BAD_REQUEST", '"autoAccept" is true or false');
  }
  await service.files.config.setAutoAccept(peer.id, body.autoAccept);
  service.peersChanged();
  return { id: peer.id, autoAccept: body.autoAccept };
});
