import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { checkSite, checkToken } from "./guard.js";

const options = { port: 4000, token: "t0ken" };
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const url = (path = "/api/status") => new URL(path, "http://127.0.0.1");

test("only the server's own host names pass", () => {
  assert.equal(checkSite(request({ host: "127.0.0.1:4000" }), options).ok, true);
  assert.equal(checkSite(request({ host: "localhost:4000" }), options).ok, true);
  for (const host of ["evil.example:4000", "127.0.0.1:4001", "127.0.0.1", "[::1]:4000"]) {
    const verdict = checkSite(request({ host }), options);
    assert.deepEqual(
      verdict.ok ? null : [verdict.status, verdict.code],
      [403, "ERR_BAD_HOST"],
      host,
    );
  }
  assert.equal(checkSite(request({}), options).ok, false);
});

test("another origin is refused, the server's own is not", () => {
  const host = "127.0.0.1:4000";
  assert.equal(checkSite(request({ host, origin: "http://127.0.0.1:4000" }), options).ok, true);
  for (const origin of [
    "http://evil.example",
    "http://127.0.0.1:4001",
    "null",
    "https://127.0.0.1:4000",
  ]) {
    const verdict = checkSite(request({ host, origin }), options);
    assert.deepEqual(verdict.ok ? null : verdict.code, "ERR_BAD_ORIGIN", origin);
  }
  const crossSite = checkSite(request({ host, "sec-fetch-site": "cross-site" }), options);
  assert.equal(crossSite.ok, false);
});

test("the token must be given exactly, as a bearer header or a query parameter", () => {
  assert.equal(checkToken(request({ authorization: "Bearer t0ken" }), url(), options).ok, true);
  assert.equal(checkToken(request({}), url("/api/events?token=t0ken"), options).ok, true);
  for (const authorization of ["Bearer t0ke", "Bearer t0ken2", "Basic t0ken", "Bearer "]) {
    const verdict = checkToken(request({ authorization }), url(), options);
    assert.deepEqual(verdict.ok ? null : [verdict.status, verdict.code], [401, "ERR_BAD_TOKEN"]);
  }
  assert.equal(checkToken(request({}), url(), options).ok, false);
});
