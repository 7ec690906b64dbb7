/**
 * The CBOR bodies of the files service's records other than OFFER and DATA,
 * and the OPEN metadata of its streams. Each decoder checks types and
 * ranges and throws WireError `ERR_FILES_PROTOCOL` on anything else.
 */
import { WireError } from "../../errors.js";
import { decodeCborStrict, encodeCbor } from "../strict-cbor.js";
import { MAX_ENTRIES, TRANSFER_ID_SIZE } from "./manifest.js";
import { HASH_SIZE, MAX_RECORD_DEPTH, RecordType } from "./protocol.js";

/** What the receiver holds of a file already: `offset` bytes whose SHA-256 is `prefixHash`. */
export interface HaveEntry {
  index: number;
  offset: number;
  prefixHash: Buffer;
}

export interface AcceptMessage {
  /** Partial files (.part) to continue, if the sender's prefix matches. */
  have: HaveEntry[];
  /** Files complete from an earlier run: not to send. */
  done: number[];
}

/** REJECT, ERROR and SKIP carry a code (an ASCII token) and a message; SKIP also an index. */
export interface CodeMessage {
  code: string;
  message: string;
  index?: number;
}

/** FILE: data for entry `index` follows, from byte `offset`. */
export interface FileStart {
  index: number;
  offset: number;
}

export interface DoneMessage {
  files: number;
  bytes: number;
}

/** Stream roles, named in the OPEN metadata. */
export enum StreamRole {
  Control = 0,
  Data = 1,
}

export interface StreamOpenInfo {
  role: StreamRole;
  /** Data streams: the transfer they belong to. */
  id?: Buffer;
}

const TOKEN = /^[A-Za-z0-9._/-]{1,64}$/;
const MAX_MESSAGE_CHARS = 1024;

function fail(what: string): WireError {
  return new WireError("ERR_FILES_PROTOCOL", `malformed ${what}`);
}

/** Strict CBOR with no array or map longer than `maxItems`. */
function decodeBody(body: Uint8Array, maxItems: number): unknown {
  return decodeCborStrict(body, "ERR_FILES_PROTOCOL", { maxItems, maxDepth: MAX_RECORD_DEPTH });
}

function decodeMap(body: Uint8Array, what: string, maxItems = 16): Record<string, unknown> {
  const value = decodeBody(body, maxItems);
  if (
    typeof value !== "object" ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array
  ) {
    throw fail(what);
  }
  return value as Record<string, unknown>;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function encodeAccept(message: AcceptMessage): Uint8Array {
  return encodeCbor({
    have: message.have.map((h) => [h.index, h.offset, h.prefixHash]),
    done: message.done,
  });
}

export function decodeAccept(body: Uint8Array): AcceptMessage {
  const map = decodeMap(body, "ACCEPT", MAX_ENTRIES);
  if (!Array.isArray(map.have) || !Array.isArray(map.done)) throw fail("ACCEPT");
  const have = map.have.map((item: unknown): HaveEntry => {
    if (!Array.isArray(item) || item.length !== 3) throw fail("ACCEPT have");
    const [index, offset, hash] = item as unknown[];
    if (!isCount(index) || !isCount(offset)) throw fail("ACCEPT have");
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) throw fail("ACCEPT hash");
    return { index, offset, prefixHash: Buffer.from(hash) };
  });
  const done = map.done.map((index: unknown) => {
    if (!isCount(index)) throw fail("ACCEPT done");
    return index;
  });
  return { have, done };
}

export function encodeCodeMessage(message: CodeMessage): Uint8Array {
  return encodeCbor({
    code: message.code,
    message: message.message.slice(0, MAX_MESSAGE_CHARS),
    i: message.index,
  });
}

export function decodeCodeMessage(body: Uint8Array, type: RecordType): CodeMessage {
  const what = RecordType[type];
  const map = decodeMap(body, what);
  const { code, message, i } = map;
  if (typeof code !== "string" || !TOKEN.test(code)) throw fail(`${what} code`);
  if (typeof message !== "string") throw fail(`${what} message`);
  if (i !== undefined && !isCount(i)) throw fail(`${what} index`);
  return {
    code,
    message: message.slice(0, MAX_MESSAGE_CHARS),
    ...(i === undefined ? {} : { index: i }),
  };
}

export function encodeFileStart(start: FileStart): Uint8Array {
  return encodeCbor([start.index, start.offset]);
}

export function decodeFileStart(body: Uint8Array): FileStart {
  const value = decodeBody(body, 2);
  if (!Array.isArray(value) || value.length !== 2) throw fail("FILE");
  const [index, offset] = value as unknown[];
  if (!isCount(index) || !isCount(offset)) throw fail("FILE");
  return { index, offset };
}

export function encodeAck(indexes: readonly number[]): Uint8Array {
  return encodeCbor(indexes);
}

export function decodeAck(body: Uint8Array): number[] {
  const value = decodeBody(body, MAX_ENTRIES);
  if (!Array.isArray(value) || !value.every(isCount)) throw fail("ACK");
  return value as number[];
}

export function encodeDone(message: DoneMessage): Uint8Array {
  return encodeCbor({ files: message.files, bytes: message.bytes });
}

export function decodeDone(body: Uint8Array): DoneMessage {
  const map = decodeMap(body, "DONE");
  if (!isCount(map.files) || !isCount(map.bytes)) throw fail("DONE");
  return { files: map.files, bytes: map.bytes };
}

export function encodeStreamOpen(info: StreamOpenInfo): Buffer {
  return Buffer.from(encodeCbor({ v: 1, role: info.role, id: info.id }));
}

export function decodeStreamOpen(metadata: Buffer): StreamOpenInfo {
  const map = decodeMap(metadata, "stream metadata");
  if (map.v !== 1) throw fail("stream metadata version");
  if (map.role === StreamRole.Control && map.id === undefined) return { role: StreamRole.Control };
  const id = map.id;
  if (map.role === StreamRole.Data && id instanceof Uint8Array && id.length === TRANSFER_ID_SIZE) {
    return { role: StreamRole.Data, id: Buffer.from(id) };
  }
  throw fail("stream metadata");
}
