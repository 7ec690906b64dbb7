import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hasCode } from "../errors.js";
import {
  base32,
  deviceIdFromPublicKey,
  luhn32,
  parseDeviceId,
  shortDeviceId,
} from "./device-id.js";

test("base32 matches the RFC 4648 test vectors", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  for (const [input, output] of vectors) assert.equal(base32(Buffer.from(input)), output);
});

test("a device ID has four groups of nine with valid check characters", () => {
  const id = deviceIdFromPublicKey(Buffer.alloc(32, 7));
  assert.match(id, /^([A-Z2-7]{9}-){3}[A-Z2-7]{9}$/);
  assert.equal(parseDeviceId(id), id);
  assert.equal(shortDeviceId(id), id.slice(0, 9));
});

test("parseDeviceId forgives case, spaces and dashes", () => {
  const id = deviceIdFromPublicKey(Buffer.alloc(32, 1));
  assert.equal(parseDeviceId(` ${id.toLowerCase().replaceAll("-", " ")} `), id);
  assert.equal(parseDeviceId(id.replaceAll("-", "")), id);
});

test("every single-character typo is caught by the check characters", () => {
  const id = deviceIdFromPublicKey(Buffer.alloc(32, 9));
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  for (let i = 0; i < id.length; i++) {
    if (id[i] === "-") continue;
    for (const char of alphabet) {
      if (char === id[i]) continue;
      const typo = id.slice(0, i) + char + id.slice(i + 1);
      assert.throws(
        () => parseDeviceId(typo),
        (err) => hasCode(err, "ERR_BAD_DEVICE_ID"),
      );
    }
  }
});

test("luhn32 check character is stable", () => {
  assert.equal(luhn32("AAAAAAAA"), "A");
  assert.equal(luhn32("BBBBBBBB").length, 1);
});

test("garbage never parses as a device ID except by real check digits", () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      try {
        parseDeviceId(text);
      } catch (err) {
        assert.ok(hasCode(err, "ERR_BAD_DEVICE_ID"));
      }
    }),
  );
});
