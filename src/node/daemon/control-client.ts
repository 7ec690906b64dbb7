/**
 * The CLI's way into a running node: the run file in the home gives the
 * control API's address and token (the file is 0600, so only this user can
 * read it); requests are JSON over HTTP on 127.0.0.1 with a bearer token.
 */
import { ConfigError, LinkError, WalkieError } from "../../errors.js";
import { type RunInfo, readRunInfo } from "./run-lock.js";

export interface ControlClient {
  readonly info: RunInfo & { control: string; token: string };
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** Raw text (e.g. /metrics). */
  text(path: string): Promise<string>;
}

/**
 * A client of the node running with `home`, or undefined when none runs (or
 * it is still starting and has no control address yet).
 */
export async function connectToRunningNode(
  home: string,
  options: { timeoutMs?: number } = {},
): Promise<ControlClient | undefined> {
  const info = await readRunInfo(home);
  if (info?.control === undefined || info.token === undefined) return undefined;
  const ready = info as ControlClient["info"];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${ready.control}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ready.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err: unknown) {
      throw new LinkError(
        "ERR_CONTROL_UNREACHABLE",
        `the node running with ${home} (pid ${ready.pid}) does not answer at ${ready.control}`,
        { cause: err },
      );
    }
    if (!response.ok) throw await apiError(response);
    return response;
  };
  return {
    info: ready,
    get: async <T>(path: string) => (await (await call("GET", path)).json()) as T,
    post: async <T>(path: string, body?: unknown) =>
      (await (await call("POST", path, body ?? {})).json()) as T,
    delete: async <T>(path: string) => (await (await call("DELETE", path)).json()) as T,
    text: async (path: string) => (await call("GET", path)).text(),
  };
}

/** The API's `{error: {code, message}}` as a WalkieError. */
async function apiError(response: Response): Promise<WalkieError> {
  try {
    const { error } = (await response.json()) as { error?: { code?: string; message?: string } };
    if (error?.code && error.message) return new WalkieError(error.code, error.message);
  } catch {
    // not JSON: described below
  }
  return new ConfigError("ERR_CONTROL_API", `the node answered HTTP ${response.status}`);
}
