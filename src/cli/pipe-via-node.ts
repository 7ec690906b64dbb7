/**
 * `walkie pipe` while `walkie up` runs with the same home: the pipe goes
 * through the node's link with the peer (its control API's /api/pipe), so
 * this device keeps one port and one mDNS name and peers reach the node as
 * always.
 */
import WebSocket from "ws";
import { type ControlMessage, LinkError, WebSocketDuplex } from "../index.js";

export interface NodePipe {
  stream: WebSocketDuplex;
  peer: { id: string; name: string };
  address: string | null;
}

/**
 * Opens a pipe to `to` (a paired peer), or waits for one from `allow` (IDs;
 * default any paired peer), through the running node at `node.control`
 * (its control API's base URL, with its token).
 * @throws LinkError ERR_CONTROL_UNREACHABLE; the node's errors (ERR_UNKNOWN_PEER, ...)
 */
export function pipeThroughNode(
  node: { control: string; token: string },
  want: { to: string } | { allow: readonly string[] | undefined },
): Promise<NodePipe> {
  const query = new URLSearchParams({ token: node.token });
  if ("to" in want) query.set("to", want.to);
  else {
    query.set("listen", "1");
    for (const id of want.allow ?? []) query.append("allow", id);
  }
  const url = `${node.control.replace(/^http/, "ws")}/api/pipe?${query}`;
  const ws = new WebSocket(url, { maxPayload: 1024 * 1024 });
  return new Promise((resolve, reject) => {
    ws.once("error", (err) =>
      reject(
        new LinkError("ERR_CONTROL_UNREACHABLE", `the running node: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    ws.once("open", () => {
      const stream = new WebSocketDuplex(ws);
      stream.once("error", reject);
      stream.once("control", (message: ControlMessage) => {
        stream.off("error", reject);
        if (message.type !== "connected") {
          reject(new LinkError("ERR_CONTROL_PROTOCOL", `unexpected ${message.type} from the node`));
          return;
        }
        resolve({
          stream,
          peer: message.peer as NodePipe["peer"],
          address: (message.address as string | null) ?? null,
        });
      });
    });
  });
}
