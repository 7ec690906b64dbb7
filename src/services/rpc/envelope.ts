/**
 * The rpc envelope by hand: the CBOR array around a payload, written and read
 * without going through a generic CBOR library, for the shapes every call
 * uses (REQUEST, NOTIFY, RESULT, CANCEL). The bytes are exactly the ones the
 * generic encoder writes (deterministic CBOR has one encoding per value), and
 * the reader accepts only what the strict decoder accepts: anything it is not
 * sure of (an ERROR, a long form, a bad field) it leaves to the generic path,
 * which gives the answer or the error. The payload itself still goes through
 * strict CBOR unless it is null or a byte string.
 */
import { type CborValue, decodeCborStrict, encodeCbor, MAX_CBOR_DEPTH } from "../strict-cbor.js";

/** Types the envelope codec handles (the wire values of RpcMessageType). */
const REQUEST = 0;
const NOTIFY = 1;
const RESULT = 2;
const CANCEL = 4;

const MAJOR_UINT = 0;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const NULL_ITEM = 0xf6;
const NULL_BYTES = new Uint8Array([NULL_ITEM]);
const MAX_SERVICE = 64;

/** A message as the envelope codec sees it (a subset of RpcMessage). */
export interface EnvelopeMessage {
  type: number;
  id?: number;
  service?: string;
  payload?: CborValue;
}

/**
 * `message` encoded as CBOR after `prefix` reserved bytes, or undefined when
 * the codec does not handle its shape (then use the generic encoder).
 * @throws TypeError when the payload has no CBOR form
 */
export function encodeEnvelope(message: EnvelopeMessage, prefix: number): Buffer | undefined {
  const { type, id, service } = message;
  let fields: number;
  if (type === REQUEST) fields = 4;
  else if (type === NOTIFY || type === RESULT) fields = 3;
  else if (type === CANCEL) fields = 2;
  else return undefined;
  const hasId = type !== NOTIFY;
  const hasService = type === REQUEST || type === NOTIFY;
  const hasPayload = type !== CANCEL;
  if (hasId && !(Number.isSafeInteger(id) && id! >= 0)) return undefined;
  if (hasService && !isAsciiToken(service)) return undefined;
  let payloadBytes: Uint8Array | undefined;
  let payloadHead = 0;
  if (hasPayload) {
    const payload = message.payload ?? null;
    if (payload instanceof Uint8Array) {
      payloadBytes = payload;
      payloadHead = headSize(payload.length);
    } else {
      payloadBytes = payload === null ? NULL_BYTES : encodeCbor(payload);
    }
  }
  const length =
    prefix +
    2 + // array head and type, both one byte
    (hasId ? headSize(id!) : 0) +
    (hasService ? headSize(service!.length) + service!.length : 0) +
    payloadHead +
    (payloadBytes?.length ?? 0);
  const out = Buffer.allocUnsafe(length);
  let at = prefix;
  out[at++] = (MAJOR_ARRAY << 5) | fields;
  out[at++] = type;
  if (hasId) at = writeHead(out, at, MAJOR_UINT, id!);
  if (hasService) {
    at = writeHead(out, at, MAJOR_TEXT, service!.length);
    // ASCII of at most 64 characters: a loop beats a call into Buffer.write.
    for (let i = 0; i < service!.length; i++) out[at++] = service!.charCodeAt(i);
  }
  if (payloadBytes !== undefined) {
    if (payloadHead > 0) at = writeHead(out, at, MAJOR_BYTES, payloadBytes.length);
    out.set(payloadBytes, at);
  }
  return out;
}

/**
 * Parses the common message shapes, or returns undefined when the generic
 * strict decoder must decide (other shapes, and every malformed body).
 */
export function decodeEnvelope(body: Uint8Array): EnvelopeMessage | undefined {
  if (body.length < 2) return undefined;
  const type = body[1]!;
  let fields: number;
  if (type === REQUEST) fields = 4;
  else if (type === NOTIFY || type === RESULT) fields = 3;
  else if (type === CANCEL) fields = 2;
  else return undefined;
  if (body[0] !== ((MAJOR_ARRAY << 5) | fields)) return undefined;
  const reader = { at: 2 };
  const message: EnvelopeMessage = { type };
  if (type !== NOTIFY) {
    const id = readHead(body, reader, MAJOR_UINT);
    if (id < 1) return undefined;
    message.id = id;
  }
  if (type === REQUEST || type === NOTIFY) {
    const length = readHead(body, reader, MAJOR_TEXT);
    if (length < 1 || length > MAX_SERVICE || reader.at + length > body.length) return undefined;
    const service = readToken(body, reader.at, length);
    if (service === undefined) return undefined;
    message.service = service;
    reader.at += length;
  }
  if (type === CANCEL) return reader.at === body.length ? message : undefined;
  const payload = readPayload(body, reader.at);
  if (payload === undefined) return undefined;
  message.payload = payload;
  return message;
}

/** The payload filling `body` from `at`; undefined if not sure. */
function readPayload(body: Uint8Array, at: number): CborValue | undefined {
  if (at >= body.length) return undefined;
  if (body[at] === NULL_ITEM) return at + 1 === body.length ? null : undefined;
  if (body[at]! >> 5 === MAJOR_BYTES) {
    const reader = { at };
    const length = readHead(body, reader, MAJOR_BYTES);
    if (length < 0 || reader.at + length !== body.length) return undefined;
    // As the generic decoder (cborg) gives it: a view of a Buffer body, a
    // copy of a plain Uint8Array one, a fresh Uint8Array when empty.
    if (length === 0) return new Uint8Array(0);
    const end = reader.at + length;
    return Buffer.isBuffer(body) ? body.subarray(reader.at, end) : body.slice(reader.at, end);
  }
  try {
    // The envelope array is one level of nesting already.
    return decodeCborStrict(body.subarray(at), "ERR_RPC_INVALID", {
      maxDepth: MAX_CBOR_DEPTH - 1,
    }) as CborValue;
  } catch {
    // The generic path decodes the whole body again and reports the error.
    return undefined;
  }
}

function headSize(n: number): number {
  if (n < 24) return 1;
  if (n < 0x100) return 2;
  if (n < 0x10000) return 3;
  if (n < 0x1_0000_0000) return 5;
  return 9;
}

/** Writes the shortest head of major type `major` with argument `n`; returns the next offset. */
function writeHead(out: Buffer, at: number, major: number, n: number): number {
  const initial = major << 5;
  if (n < 24) {
    out[at] = initial | n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = initial | 24;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = initial | 25;
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  if (n < 0x1_0000_0000) {
    out[at] = initial | 26;
    out.writeUInt32BE(n, at + 1);
    return at + 5;
  }
  out[at] = initial | 27;
  out.writeUInt32BE(Math.floor(n / 0x1_0000_0000), at + 1);
  out.writeUInt32BE(n >>> 0, at + 5);
  return at + 9;
}

/**
 * Reads a head of major type `major` in its shortest form with an argument
 * of at most 2^53-1, advancing `reader`; -1 for anything else.
 */
function readHead(body: Uint8Array, reader: { at: number }, major: number): number {
  const at = reader.at;
  if (at >= body.length || body[at]! >> 5 !== major) return -1;
  const info = body[at]! & 31;
  if (info < 24) {
    reader.at = at + 1;
    return info;
  }
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0 || at + 1 + size > body.length) return -1;
  let n = 0;
  for (let i = 1; i <= size; i++) n = n * 256 + body[at + i]!;
  // Shortest form only: the value must need this many bytes.
  const min = size === 1 ? 24 : size === 2 ? 0x100 : size === 4 ? 0x10000 : 0x1_0000_0000;
  if (n < min || n > Number.MAX_SAFE_INTEGER) return -1;
  reader.at = at + 1 + size;
  return n;
}

/** The bytes as a string if they are all token characters ([A-Za-z0-9._/-]). */
function readToken(body: Uint8Array, at: number, length: number): string | undefined {
  let text = "";
  for (let i = at; i < at + length; i++) {
    const c = body[i]!;
    if (!TOKEN_CHAR[c]) return undefined;
    text += String.fromCharCode(c);
  }
  return text;
}

function isAsciiToken(value: string | undefined): value is string {
  if (value === undefined || value.length < 1 || value.length > MAX_SERVICE) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 127 || !TOKEN_CHAR[c]) return false;
  }
  return true;
}

const TOKEN_CHAR = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") {
  TOKEN_CHAR[c.charCodeAt(0)] = 1;
}
