/**
 * `walkie pipe` through the running node: a WebSocket at /api/pipe
 * (token-guarded like every API call) carries one pipe's bytes between the
 * command and a stream on the node's link (see WebSocketDuplex for the
 * framing). `?to=PEER` opens a pipe to a paired peer; `?listen=1` (with
 * `allow=ID` any number of times) takes the next pipe a peer opens. Once the
 * pipe stands the node sends `{"type":"connected","peer":{id,name},"address"}`.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { WalkieError } from "../errors.js";
import { StreamResetError } from "../link/index.js";
import type { DeskPipe, NodeService } from "../node/index.js";
import { MAX_WEBSOCKET_CHUNK, WebSocketDuplex } from "../transport/index.js";

/** Pipes through the node at once. */
const MAX_PIPES = 64;

export interface PipeSockets {
  /** Takes an upgrade request for /api/pipe (already guarded). */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  close(): void;
}

export function servePipes(service: NodeService): PipeSockets {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WEBSOCKET_CHUNK + 1024,
    clientTracking: true,
  });
  return {
    handleUpgrade(req, socket, head) {
      if (wss.clients.size >= MAX_PIPES) {
        socket.end("HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      wss.handleUpgrade(req, socket, head, (ws) => void runPipe(service, ws, url));
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

async function runPipe(service: NodeService, ws: WebSocket, url: URL): Promise<void> {
  const local = new WebSocketDuplex(ws);
  const gone = new AbortController();
  let pipe: DeskPipe | undefined;
  // From the first moment: the command may leave (or break the framing) while we wait or dial.
  local.on("error", () => {
    gone.abort();
    if (pipe && !pipe.stream.destroyed) pipe.stream.reset("ERR_CANCELLED");
  });
  local.once("close", () => gone.abort());
  try {
    const to = url.searchParams.get("to");
    if (to !== null) pipe = await service.pipes.open(to);
    else if (url.searchParams.get("listen") === "1") {
      const allow = url.searchParams.getAll("allow");
      pipe = await service.pipes.accept(allow.length > 0 ? allow : undefined, gone.signal);
    } else throw new WalkieError("ERR_USAGE", "give to=PEER or listen=1");
  } catch (err: unknown) {
    if (!local.destroyed) local.fail(codeOf(err), err instanceof Error ? err.message : String(err));
    return;
  }
  if (local.destroyed) {
    pipe.stream.reset("ERR_CANCELLED"); // the command left while the pipe was being made
    return;
  }
  const { stream, link } = pipe;
  service.log.info(`pipe with ${link.peer.name} for a local command`, { peerId: link.peer.id });
  local.sendControl({
    type: "connected",
    peer: { id: link.peer.id, name: link.peer.name },
    address: link.remoteAddress ?? null,
  });
  // Both ways at once, each half-closing on its own; a failure on one side ends the other.
  stream.on("error", (err: Error) => {
    if (!local.destroyed) local.fail(codeOf(err), err.message);
  });
  local.pipe(stream);
  stream.pipe(local);
}

/** The code to tell the command: a peer's RESET names its reason (ERR_NOT_LISTENING, say). */
function codeOf(err: unknown): string {
  if (err instanceof StreamResetError) return err.remoteCode;
  return err instanceof WalkieError ? err.code : "ERR_INTERNAL";
}
