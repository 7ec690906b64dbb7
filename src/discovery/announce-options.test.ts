import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hasCode } from "../errors.js";
import { checkAnnouncerOptions, instanceBase } from "./announce-options.js";

const valid = { name: "Alice", shortId: "mfrggzdf7", port: 4000 };

function expectCode(options: Parameters<typeof checkAnnouncerOptions>[0], code: string): void {
  assert.throws(
    () => checkAnnouncerOptions(options),
    (err: unknown) => hasCode(err, code),
  );
}

describe("announcer options", () => {
  test("the host name is the short id under .local unless given", () => {
    assert.deepEqual(checkAnnouncerOptions(valid), { base: "Alice", hostBase: "mfrggzdf7" });
    assert.equal(checkAnnouncerOptions({ ...valid, hostName: "dev-1.local" }).hostBase, "dev-1");
  });

  test("device names keep dots and quotes, lose control characters, and fit a label", () => {
    assert.equal(instanceBase("Bob's Box v2.0"), "Bob's Box v2.0");
    assert.equal(instanceBase("  a\u0000b\nc  "), "a b c");
    const long = instanceBase("é".repeat(40));
    assert.ok(Buffer.byteLength(long) <= 58);
    assert.equal(long, "é".repeat(29), "cut on a character boundary");
  });

  test("refuses bad options before any packet is sent", () => {
    expectCode({ ...valid, name: " \n " }, "ERR_BAD_DEVICE_NAME");
    expectCode({ ...valid, port: 0 }, "ERR_BAD_PORT");
    expectCode({ ...valid, port: 70000 }, "ERR_BAD_PORT");
    expectCode({ ...valid, port: 1.5 }, "ERR_BAD_PORT");
    expectCode({ ...valid, shortId: "MFRG" }, "ERR_BAD_SHORT_ID");
    expectCode({ ...valid, hostName: "My Host" }, "ERR_MDNS_NAME");
    expectCode({ ...valid, hostName: "a.b" }, "ERR_MDNS_NAME");
    expectCode({ ...valid, hostName: "x".repeat(59) }, "ERR_MDNS_NAME");
  });
});
