/**
 * The UI's live event stream: a WebSocket at /api/events that first sends a
 * snapshot (status, recent log, pairing), then every NodeEvent as JSON.
 * Clients have nothing to say: a client that sends more than a few small
 * messages is flooding and is closed (1008), and one that does not keep up
 * (over 4 MB buffered) is dropped rather than buffered without bound.
 */
import type { WebSocket, WebSocketServer } from "ws";
import type { NodeEvent, NodeService } from "../node/index.js";

/** Messages a client may send per second (pings from the app, nothing else). */
const MAX_MESSAGES_PER_SECOND = 20;
/** Bytes waiting to go to one client before it is dropped. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** Clients at once. */
export const MAX_CLIENTS = 32;

export function serveEvents(wss: WebSocketServer, service: NodeService): () => void {
  const clients = new Set<WebSocket>();
  const onEvent = (event: NodeEvent): void => {
    if (clients.size === 0) return;
    const text = JSON.stringify(event);
    for (const ws of clients) send(ws, text);
  };
  service.on("event", onEvent);
  wss.on("connection", (ws: WebSocket) => {
    clients.add(ws);
    let windowStart = Date.now();
    let count = 0;
    ws.on("message", () => {
      const now = Date.now();
      if (now - windowStart > 1_000) {
        windowStart = now;
        count = 0;
      }
      if (++count > MAX_MESSAGES_PER_SECOND) ws.close(1008, "too many messages");
    });
    ws.on("close", () => clients.delete(ws));
    ws.on("error", () => clients.delete(ws));
    service.status().then(
      (status) => {
        const log = service.log.list().slice(-200);
        send(ws, JSON.stringify({ type: "hello", status, log }));
      },
      () => ws.close(1011, "status unavailable"),
    );
  });
  return () => {
    service.off("event", onEvent);
    for (const ws of clients) ws.close(1001, "node shutting down");
  };
}

function send(ws: WebSocket, text: string): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_BUFFERED) {
    ws.terminate();
    return;
  }
  ws.send(text);
}
