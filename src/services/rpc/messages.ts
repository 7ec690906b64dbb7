/**
 * The rpc wire messages (docs/PROTOCOL.md, "rpc"): the serializer and the
 * parser, pure. Each message is one strict CBOR array whose first element is
 * its type; framing (the 4-byte length) is message-framing's business.
 */
import { WireError } from "../../errors.js";
import { TOKEN_PATTERN } from "../../wire/index.js";
import { LENGTH_PREFIX_SIZE } from "../message-framing.js";
import { type CborValue, decodeCborStrict, encodeCbor } from "../strict-cbor.js";
import { decodeEnvelope, encodeEnvelope } from "./envelope.js";

/** Message types; the numbers are the wire values. */
export enum RpcMessageType {
  Request = 0,
  Notify = 1,
  Result = 2,
  Error = 3,
  Cancel = 4,
}

/** Request ids are 1 to 2^53-1 (a CBOR unsigned integer a JS number holds exactly). */
export const MAX_REQUEST_ID = Number.MAX_SAFE_INTEGER;
/** Longest error message carried, in UTF-16 code units (longer ones are cut). */
export const MAX_ERROR_MESSAGE = 1_024;

export type RpcMessage =
  | { type: RpcMessageType.Request; id: number; service: string; payload: CborValue }
  | { type: RpcMessageType.Notify; service: string; payload: CborValue }
  | { type: RpcMessageType.Result; id: number; payload: CborValue }
  | {
      type: RpcMessageType.Error;
      id: number;
      code: string;
      message: string;
      details?: CborValue;
    }
  | { type: RpcMessageType.Cancel; id: number };

/** The CBOR body of `message` (without the length prefix). */
export function encodeRpcMessage(message: RpcMessage): Uint8Array {
  const body = encodeEnvelope(message, 0);
  // A plain Uint8Array, as the generic encoder gives.
  if (body !== undefined) return new Uint8Array(body.buffer, body.byteOffset, body.length);
  return encodeGeneric(message);
}

/**
 * `message` with its 4-byte length prefix (message-framing), in one buffer;
 * its body is `length - 4` bytes.
 */
export function frameRpcMessage(message: RpcMessage): Buffer {
  let out = encodeEnvelope(message, LENGTH_PREFIX_SIZE);
  if (out === undefined) {
    const body = encodeGeneric(message);
    out = Buffer.allocUnsafe(LENGTH_PREFIX_SIZE + body.length);
    out.set(body, LENGTH_PREFIX_SIZE);
  }
  out.writeUInt32BE(out.length - LENGTH_PREFIX_SIZE, 0);
  return out;
}

function encodeGeneric(message: RpcMessage): Uint8Array {
  switch (message.type) {
    case RpcMessageType.Request:
      return encodeCbor([message.type, message.id, message.service, message.payload ?? null]);
    case RpcMessageType.Notify:
      return encodeCbor([message.type, message.service, message.payload ?? null]);
    case RpcMessageType.Result:
      return encodeCbor([message.type, message.id, message.payload ?? null]);
    case RpcMessageType.Error: {
      const text = message.message.slice(0, MAX_ERROR_MESSAGE);
      const fields: unknown[] = [message.type, message.id, message.code, text];
      if (message.details !== undefined) fields.push(message.details);
      return encodeCbor(fields);
    }
    case RpcMessageType.Cancel:
      return encodeCbor([message.type, message.id]);
  }
}

/** Parses one message body. @throws WireError ERR_RPC_INVALID */
export function decodeRpcMessage(body: Uint8Array): RpcMessage {
  const common = decodeEnvelope(body);
  if (common !== undefined) return common as RpcMessage;
  const value = decodeCborStrict(body, "ERR_RPC_INVALID");
  if (!Array.isArray(value) || value.length === 0) throw invalid("not a non-empty array");
  const fields = value as unknown[];
  const type = fields[0];
  switch (type) {
    case RpcMessageType.Request:
      expectLength(fields, 4, 4);
      return {
        type,
        id: requestId(fields[1]),
        service: serviceName(fields[2]),
        payload: fields[3] as CborValue,
      };
    case RpcMessageType.Notify:
      expectLength(fields, 3, 3);
      return { type, service: serviceName(fields[1]), payload: fields[2] as CborValue };
    case RpcMessageType.Result:
      expectLength(fields, 3, 3);
      return { type, id: requestId(fields[1]), payload: fields[2] as CborValue };
    case RpcMessageType.Error: {
      expectLength(fields, 4, 5);
      const code = fields[2];
      const message = fields[3];
      if (typeof code !== "string" || !TOKEN_PATTERN.test(code)) throw invalid("bad error code");
      if (typeof message !== "string" || message.length > MAX_ERROR_MESSAGE) {
        throw invalid("bad error message");
      }
      const out: RpcMessage = { type, id: requestId(fields[1]), code, message };
      if (fields.length === 5) out.details = fields[4] as CborValue;
      return out;
    }
    case RpcMessageType.Cancel:
      expectLength(fields, 2, 2);
      return { type, id: requestId(fields[1]) };
    default:
      throw invalid(`unknown message type ${String(type)}`);
  }
}

/** True when `name` may name an rpc service: an ASCII token of 1 to 64 bytes. */
export function isServiceName(name: unknown): name is string {
  return typeof name === "string" && TOKEN_PATTERN.test(name);
}

function expectLength(fields: unknown[], min: number, max: number): void {
  if (fields.length < min || fields.length > max) {
    throw invalid(`message type ${String(fields[0])} with ${fields.length} fields`);
  }
}

function requestId(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid("bad request id");
  }
  return value;
}

function serviceName(value: unknown): string {
  if (!isServiceName(value)) throw invalid("bad service name");
  return value;
}

function invalid(reason: string): WireError {
  return new WireError("ERR_RPC_INVALID", `invalid rpc message: ${reason}`);
}
