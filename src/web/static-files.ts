/**
 * Serves the browser app: the files esbuild wrote to dist/web/public at
 * build time (index.html, app.js, app.css), read once and kept in memory.
 * Pages carry a strict Content-Security-Policy: only this server's scripts,
 * styles and event stream.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SECURITY_HEADERS } from "./http-util.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
};

/** Where the built app is: beside this module once built, else in dist/ (running from src/). */
export function defaultAppDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL("./public/", import.meta.url)),
    fileURLToPath(new URL("../../dist/web/public/", import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, "index.html")));
}

export interface StaticFiles {
  /** Answers GET `path` if it is an app file; false if not. */
  serve(path: string, res: ServerResponse, port: number): boolean;
}

/** Loads the app's files (a flat folder) into memory. */
export async function loadStaticFiles(dir: string | undefined): Promise<StaticFiles> {
  const files = new Map<string, { body: Buffer; type: string }>();
  if (dir !== undefined) {
    for (const name of await readdir(dir)) {
      const type = TYPES[extname(name)];
      if (type !== undefined)
        files.set(`/${name}`, { body: await readFile(join(dir, name)), type });
    }
  }
  return {
    serve(path, res, port) {
      const file = files.get(path === "/" ? "/index.html" : path);
      if (file === undefined) return false;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "content-type": file.type,
        "content-length": file.body.length,
        "content-security-policy": contentSecurityPolicy(port),
      });
      res.end(file.body);
      return true;
    },
  };
}

function contentSecurityPolicy(port: number): string {
  const self = `http://127.0.0.1:${port} http://localhost:${port}`;
  const sockets = `ws://127.0.0.1:${port} ws://localhost:${port}`;
  return [
    "default-src 'none'",
    `script-src ${self}`,
    `style-src ${self}`,
    "img-src 'self' data: blob:",
    `connect-src ${self} ${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
