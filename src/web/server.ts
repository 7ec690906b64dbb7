/**
 * The local web server of a running node, on 127.0.0.1 only: the browser
 * app, the JSON API (`/api/...`), the live event stream (`/api/events`, a
 * WebSocket) and `/metrics`. Every request passes the Host/Origin checks;
 * everything but the app's own files also needs the per-start token.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { WebSocketServer } from "ws";
import { LinkError } from "../errors.js";
import type { NodeService } from "../node/index.js";
import { servePipes } from "./pipe-socket.js";
import "./api.js";
import "./api-chat.js";
import "./api-files.js";
import { MAX_CLIENTS, serveEvents } from "./event-socket.js";
import { checkSite, checkToken, type GuardResult } from "./guard.js";
import { sendError, sendJson } from "./http-util.js";
import { handleApi } from "./routes.js";
import { defaultAppDir, loadStaticFiles } from "./static-files.js";

export interface WebServerOptions {
  service: NodeService;
  /** The access token every API call must carry. */
  token: string;
  /** @default 0 (any free port) */
  port?: number;
  /** Serve the browser app (the API is served either way). @default true */
  ui?: boolean;
  /** Folder of the built app. @default dist/web/public */
  appDir?: string;
}

export interface WebServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** The address to open in a browser, token included (in the fragment, never sent to a server). */
  readonly uiUrl: string;
  close(): Promise<void>;
}

/** Starts serving. @throws LinkError ERR_ADDRESS_IN_USE when the port is taken */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { service, token } = options;
  const files = await loadStaticFiles(
    options.ui === false ? undefined : (options.appDir ?? defaultAppDir()),
  );
  let port = 0;
  const guard = (req: IncomingMessage, url: URL, needsToken: boolean): GuardResult => {
    const site = checkSite(req, { port, token });
    if (!site.ok || !needsToken) return site;
    return checkToken(req, url, { port, token });
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const isApi = url.pathname.startsWith("/api/") || url.pathname === "/metrics";
    const verdict = guard(req, url, isApi);
    if (!verdict.ok) {
      req.resume();
      sendJson(res, verdict.status, { error: { code: verdict.code, message: verdict.message } });
      return;
    }
    if (isApi) {
      handleApi({ req, res, url, params: [], service }).catch((err: unknown) =>
        sendError(res, err),
      );
      return;
    }
    if (req.method !== "GET" || !files.serve(url.pathname, res, port)) notFound(res);
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 0; // uploads may take long; each is watched by its own stream
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, clientTracking: false });
  const stopEvents = serveEvents(wss, service);
  const pipes = servePipes(service);
  let sockets = 0;
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const verdict = guard(req, url, true);
    if (verdict.ok && url.pathname === "/api/pipe") {
      pipes.handleUpgrade(req, socket, head);
      return;
    }
    if (!verdict.ok || url.pathname !== "/api/events" || sockets >= MAX_CLIENTS) {
      const status = verdict.ok ? (sockets >= MAX_CLIENTS ? 503 : 404) : verdict.status;
      socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets++;
    socket.once("close", () => sockets--);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  port = await listen(server, options.port ?? 0);
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    uiUrl: `${origin}/#token=${token}`,
    async close() {
      stopEvents();
      pipes.close();
      wss.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, 2_000).unref();
      });
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      const code = err.code === "EADDRINUSE" ? "ERR_ADDRESS_IN_USE" : "ERR_LISTEN_FAILED";
      reject(
        new LinkError(code, `cannot serve the web UI on 127.0.0.1:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    });
    server.listen({ host: "127.0.0.1", port }, () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: { code: "ERR_NOT_FOUND", message: "not found" } });
}
