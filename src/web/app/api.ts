/**
 * The app's line to its node: the access token (taken from the address's
 * `#token=` once, then kept for this tab only), JSON calls to /api, and the
 * event stream, reconnected with backoff while the node runs.
 */

const TOKEN_KEY = "walkie-token";

/** Takes the token from the address (and removes it from there), or the one kept for this tab. */
export function loadToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, match[1]!);
    history.replaceState(null, "", `${location.pathname}${location.search}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

let token: string | null = null;

export function setToken(value: string | null): void {
  token = value;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token ?? ""}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      "ERR_NODE_UNREACHABLE",
      "The node does not answer. Is walkie up still running?",
      0,
    );
  }
  const data = (await response.json().catch(() => ({}))) as {
    error?: { code: string; message: string };
  };
  if (!response.ok) {
    throw new ApiError(
      data.error?.code ?? "ERR_HTTP",
      data.error?.message ?? `HTTP ${response.status}`,
      response.status,
    );
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => call<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => call<T>("POST", path, body),
  del: <T>(path: string) => call<T>("DELETE", path),
  /** Streams a file (or any Blob) as the raw body of a PUT; reports bytes sent. */
  upload(path: string, blob: Blob, onProgress: (sent: number) => void, signal?: AbortSignal) {
    return new Promise<void>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", path);
      xhr.setRequestHeader("authorization", `Bearer ${token ?? ""}`);
      xhr.setRequestHeader("content-type", "application/octet-stream");
      xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else {
          let error = { code: "ERR_HTTP", message: `HTTP ${xhr.status}` };
          try {
            error = (JSON.parse(xhr.responseText) as { error: typeof error }).error;
          } catch {}
          reject(new ApiError(error.code, error.message, xhr.status));
        }
      };
      xhr.onerror = () => reject(new ApiError("ERR_UPLOAD", "The upload was interrupted", 0));
      xhr.onabort = () => reject(new ApiError("ERR_ABORTED", "Cancelled", 0));
      signal?.addEventListener("abort", () => xhr.abort());
      xhr.send(blob);
    });
  },
};

export interface EventStream {
  close(): void;
}

/** Opens the event stream; reopens it after a drop (1 s doubling to 15 s) until closed. */
export function openEvents(
  onMessage: (message: { type: string } & Record<string, unknown>) => void,
  onState: (state: "open" | "closed" | "refused") => void,
): EventStream {
  let ws: WebSocket | undefined;
  let delay = 1000;
  let stopped = false;
  let timer: number | undefined;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(
      `${scheme}://${location.host}/api/events?token=${encodeURIComponent(token ?? "")}`,
    );
    let opened = false;
    ws.onopen = () => {
      opened = true;
      delay = 1000;
      onState("open");
    };
    ws.onmessage = (event) => onMessage(JSON.parse(String(event.data)));
    ws.onclose = () => {
      if (stopped) return;
      onState(opened ? "closed" : "refused");
      timer = window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15_000);
    };
  };
  connect();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}
