/**
 * Parses one record plaintext into mux frames (docs/PROTOCOL.md section 4).
 * Pure and whole-record: a record holds only whole frames, so there is no
 * state between calls. Every length is checked before it is used; payloads
 * are views into the plaintext, never copies.
 */
import { WireError } from "../errors.js";
import {
  FLAG_ACK,
  FLAG_FIN,
  FRAME_HEADER_SIZE,
  FrameType,
  MAX_FRAME_PAYLOAD,
  MAX_METADATA,
  MAX_TOKEN_LENGTH,
  MAX_WINDOW,
  PING_PAYLOAD_SIZE,
  TOKEN_BYTE,
  WINDOW_PAYLOAD_SIZE,
} from "./constants.js";
import type { Frame } from "./frame.js";

/** Flag bits each type allows, indexed by type; a type past the end is unknown. */
const ALLOWED_FLAGS = [FLAG_FIN, 0, 0, 0, FLAG_ACK, 0];
/** Whether each type travels on stream 0 (PING, GOAWAY) or on a stream. */
const ON_STREAM_ZERO = [false, false, false, false, true, true];

function invalid(message: string): WireError {
  return new WireError("ERR_FRAME_INVALID", message);
}

function truncated(message: string): WireError {
  return new WireError("ERR_FRAME_TRUNCATED", message);
}

/** Reads an ASCII token from `bytes`, which must be 1 to 64 token bytes. */
function readToken(bytes: Buffer, what: string): string {
  if (bytes.length === 0 || bytes.length > MAX_TOKEN_LENGTH) {
    throw invalid(`${what} of ${bytes.length} bytes`);
  }
  for (let i = 0; i < bytes.length; i++) {
    if (TOKEN_BYTE[bytes[i]!] !== 1) throw invalid(`${what} has a byte outside the token set`);
  }
  return bytes.toString("latin1");
}

function decodePayload(type: FrameType, flags: number, streamId: number, payload: Buffer): Frame {
  switch (type) {
    case FrameType.Data:
      return { type, streamId, fin: (flags & FLAG_FIN) !== 0, payload };
    case FrameType.Open: {
      if (payload.length === 0) throw invalid("OPEN without a service");
      const serviceEnd = 1 + payload[0]!;
      if (serviceEnd > payload.length) throw invalid("OPEN service runs past the payload");
      const service = readToken(payload.subarray(1, serviceEnd), "OPEN service");
      const metadata = payload.subarray(serviceEnd);
      if (metadata.length > MAX_METADATA) throw invalid(`OPEN metadata over ${MAX_METADATA} bytes`);
      return { type, streamId, service, metadata };
    }
    case FrameType.Window: {
      if (payload.length !== WINDOW_PAYLOAD_SIZE) throw invalid("WINDOW payload is not 4 bytes");
      const increment = payload.readUInt32BE(0);
      if (increment < 1 || increment > MAX_WINDOW) throw invalid(`WINDOW increment ${increment}`);
      return { type, streamId, increment };
    }
    case FrameType.Reset:
      return { type, streamId, code: readToken(payload, "RESET code") };
    case FrameType.Ping:
      if (payload.length !== PING_PAYLOAD_SIZE) throw invalid("PING payload is not 8 bytes");
      return { type, ack: (flags & FLAG_ACK) !== 0, payload };
    case FrameType.GoAway:
      return { type, code: readToken(payload, "GOAWAY code") };
  }
}

/**
 * The frames of one record plaintext, in order. Throws a WireError with code
 * `ERR_FRAME_TRUNCATED` (the frames do not exactly fill the record) or
 * `ERR_FRAME_INVALID` (unknown type or flags, wrong payload, wrong stream 0).
 * The returned payloads and metadata are views into `plaintext`: the caller
 * must not reuse that buffer while they are alive.
 */
export function decodeRecord(plaintext: Buffer): Frame[] {
  const end = plaintext.length;
  if (end === 0) throw truncated("empty record");
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < end) {
    if (end - offset < FRAME_HEADER_SIZE) throw truncated("record ends inside a frame header");
    const type = plaintext[offset]!;
    const flags = plaintext[offset + 1]!;
    const streamId = plaintext.readUInt32BE(offset + 2);
    const length = plaintext.readUInt16BE(offset + 6);
    const allowed = ALLOWED_FLAGS[type];
    if (allowed === undefined) throw invalid(`unknown frame type ${type}`);
    if ((flags & ~allowed) !== 0) throw invalid(`unknown flags 0x${flags.toString(16)}`);
    if ((streamId === 0) !== ON_STREAM_ZERO[type]) {
      throw invalid(`frame type ${type} on stream ${streamId}`);
    }
    if (length > MAX_FRAME_PAYLOAD) throw invalid(`frame payload of ${length} bytes`);
    const start = offset + FRAME_HEADER_SIZE;
    if (end - start < length) throw truncated("record ends inside a frame payload");
    offset = start + length;
    frames.push(decodePayload(type, flags, streamId, plaintext.subarray(start, offset)));
  }
  return frames;
}
