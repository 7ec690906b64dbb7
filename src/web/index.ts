/**
 * The web face of a running node: a local server (127.0.0.1 only, a
 * per-start token, Host and Origin checks) with a JSON API, a WebSocket event
 * stream, `/metrics`, and the browser app built from `app/`. It is a thin
 * layer over NodeService: it holds no state of its own.
 */
export { startWebServer, type WebServer, type WebServerOptions } from "./server.js";
