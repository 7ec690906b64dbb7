import assert from "node:assert/strict";
import { test } from "node:test";
import { hasCode } from "../../errors.js";
import { encodeCbor } from "../strict-cbor.js";
import { decodeRpcMessage, encodeRpcMessage, type RpcMessage, RpcMessageType } from "./messages.js";

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ""), "hex");

test("each message type round-trips", () => {
  const messages: RpcMessage[] = [
    { type: RpcMessageType.Request, id: 1, service: "sensor.read", payload: { channel: 2 } },
    { type: RpcMessageType.Notify, service: "led", payload: new Uint8Array([1]) },
    { type: RpcMessageType.Result, id: 2 ** 53 - 1, payload: [1.5, "x", null] },
    { type: RpcMessageType.Error, id: 3, code: "ERR_X", message: "no" },
    { type: RpcMessageType.Error, id: 3, code: "ERR_X", message: "no", details: { at: 1 } },
    { type: RpcMessageType.Cancel, id: 4 },
  ];
  for (const message of messages)
    assert.deepEqual(decodeRpcMessage(encodeRpcMessage(message)), message);
});

test("a request has a fixed, documented encoding", () => {
  // [0, 7, "ping", null]
  assert.deepEqual(
    Buffer.from(
      encodeRpcMessage({ type: RpcMessageType.Request, id: 7, service: "ping", payload: null }),
    ),
    hex("84 00 07 64 70696e67 f6"),
  );
});

test("malformed messages are refused with ERR_RPC_INVALID", () => {
  const bad: unknown[] = [
    [],
    {},
    "x",
    [9, 1],
    [0, 0, "s", null], // id 0
    [0, -1, "s", null],
    [0, 1.5, "s", null],
    [0, 1, "bad service!", null],
    [0, 1, "", null],
    [0, 1, "s"], // missing payload
    [1, "s", null, 4], // extra field
    [3, 1, "not a token!", "m"],
    [3, 1, "ERR_X", 5],
    [3, 1, "ERR_X", "x".repeat(1025)],
    [4],
  ];
  for (const value of bad) {
    assert.throws(
      () => decodeRpcMessage(encodeCbor(value)),
      (err) => hasCode(err, "ERR_RPC_INVALID"),
      JSON.stringify(value),
    );
  }
  assert.throws(
    () => decodeRpcMessage(hex("84 00 01 61 73 f7")),
    (err) => hasCode(err, "ERR_RPC_INVALID"),
  );
});
