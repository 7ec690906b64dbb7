/** Chat through the API: a peer's history, and sending a message to it. */
import { peerId } from "./api.js";
import { HttpError, readJson, textField } from "./http-util.js";
import { route } from "./routes.js";

/** Messages in one history answer, at most. */
const MAX_HISTORY = 1000;

route("GET", /^\/api\/chat\/([^/]+)$/, async ({ service, params, url }) => {
  const limit = Number(url.searchParams.get("limit") ?? 200);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `"limit" is 1 to ${MAX_HISTORY}`);
  }
  const id = await peerId(service, params[0]!);
  return { messages: await service.chat.history(id, limit) };
});

route("POST", /^\/api\/chat\/([^/]+)$/, async ({ service, params, req }) => {
  const body = await readJson(req);
  const text = textField(body, "text", 64 * 1024);
  const id = await peerId(service, params[0]!);
  return service.chat.send(id, text);
});
