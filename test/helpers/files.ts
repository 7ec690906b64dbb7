/**
 * Helpers for the files tests: folder trees made and compared (content
 * hash, mode, mtime), `walkie send` / `walkie receive` started with --json
 * on 127.0.0.1, and a TCP proxy that can stop forwarding after so many
 * bytes (to break or stall a transfer at a known point).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { type CliIdentity, type WalkieProcess, walkie } from "./cli.js";

/** Every entry under `root`: type, content hash, mode and mtime (ms), by relative path. */
export function describeTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = prefix === "" ? name : `${prefix}/${name}`;
      const stats = lstatSync(path);
      const mode = (stats.mode & 0o777).toString(8);
      if (stats.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(path)}`;
      else if (stats.isDirectory()) {
        out[rel] = `dir ${mode} ${Math.round(stats.mtimeMs)}`;
        walk(path, rel);
      } else {
        const hash = createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16);
        out[rel] = `file ${mode} ${Math.round(stats.mtimeMs)} ${stats.size} ${hash}`;
      }
    }
  };
  walk(root, "");
  return out;
}

/** `walkie send ARGS --host 127.0.0.1 --json` waiting with a code; resolves once the code is shown. */
export async function startSend(
  identity: CliIdentity,
  args: readonly string[],
): Promise<{ proc: WalkieProcess; code: string; port: number }> {
  const proc = walkie(["send", ...args, "--host", "127.0.0.1", "--json"], { home: identity.home });
  const event = await proc.waitForEvent("code");
  assert.equal(typeof event.code, "string");
  return { proc, code: event.code as string, port: event.port as number };
}

/** `walkie receive CODE --from 127.0.0.1:PORT --json ARGS`. */
export function startReceive(
  identity: CliIdentity,
  code: string,
  port: number,
  args: readonly string[],
  options: { stdout?: "buffer" | "hash" } = {},
): WalkieProcess {
  const proc = walkie(["receive", code, "--from", `127.0.0.1:${port}`, "--json", ...args], {
    home: identity.home,
    ...options,
  });
  return proc;
}

/** A proxy that forwards to `targetPort` until told to stop; then it holds the bytes. */
export interface ValveProxy {
  readonly port: number;
  /** Bytes forwarded from the target back to the client so far. */
  readonly forwarded: number;
  /** Stops forwarding in both directions once `bytes` went target -> client (now if already). */
  closeAfter(bytes: number): Promise<void>;
  close(): Promise<void>;
}

export async function startValveProxy(targetPort: number): Promise<ValveProxy> {
  const sockets = new Set<Socket>();
  let forwarded = 0;
  let limit = Number.POSITIVE_INFINITY;
  let reached: (() => void) | undefined;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: "127.0.0.1", port: targetPort, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.once("close", () => sockets.delete(socket));
    }
    const stopped = () => forwarded >= limit;
    client.on("data", (chunk: Buffer) => {
      if (!stopped()) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (stopped()) return;
      const room = limit - forwarded;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      forwarded += piece.length;
      if (stopped()) {
        client.write(piece);
        // Keep reading (and dropping) so a side that dies is noticed at once.
        reached?.();
        return;
      }
      if (!client.write(piece)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
    // A side that ends or dies is passed on, even while stopped.
    upstream.once("end", () => client.end());
    client.once("end", () => upstream.end());
    upstream.once("close", () => client.destroy());
    client.once("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    get forwarded() {
      return forwarded;
    },
    closeAfter(bytes) {
      limit = bytes;
      if (forwarded >= limit) return Promise.resolve();
      return new Promise((resolve) => {
        reached = resolve;
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
