/**
 * Serializes mux frames (docs/PROTOCOL.md section 4). Pure functions: no
 * state, no I/O. Arguments come from our own code, so a bad one is a bug and
 * throws a RangeError rather than a WireError.
 */
import {
  FLAG_ACK,
  FLAG_FIN,
  FRAME_HEADER_SIZE,
  FrameType,
  isToken,
  MAX_FRAME_PAYLOAD,
  MAX_METADATA,
  MAX_STREAM_ID,
  MAX_WINDOW,
  PING_PAYLOAD_SIZE,
  WINDOW_PAYLOAD_SIZE,
} from "./constants.js";
import type { Frame } from "./frame.js";

/** Writes an 8-byte frame header into `target` at `offset`. */
export function writeFrameHeader(
  target: Buffer,
  offset: number,
  type: FrameType,
  flags: number,
  streamId: number,
  length: number,
): void {
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > MAX_STREAM_ID) {
    throw new RangeError(`stream id out of range: ${streamId}`);
  }
  // PING and GOAWAY travel on stream 0, every other type on a real stream.
  if ((streamId === 0) !== (type === FrameType.Ping || type === FrameType.GoAway)) {
    throw new RangeError(`frame type ${type} cannot use stream ${streamId}`);
  }
  if (!Number.isInteger(length) || length < 0 || length > MAX_FRAME_PAYLOAD) {
    throw new RangeError(`frame payload length out of range: ${length}`);
  }
  target[offset] = type;
  target[offset + 1] = flags;
  target.writeUInt32BE(streamId, offset + 2);
  target.writeUInt16BE(length, offset + 6);
}

/** A new 8-byte frame header. */
export function encodeFrameHeader(
  type: FrameType,
  flags: number,
  streamId: number,
  length: number,
): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  writeFrameHeader(header, 0, type, flags, streamId, length);
  return header;
}

/**
 * The header of a DATA frame carrying `length` payload bytes. The payload
 * itself is not copied: send it right after the header.
 */
export function encodeDataHeader(streamId: number, length: number, fin: boolean): Buffer {
  return encodeFrameHeader(FrameType.Data, fin ? FLAG_FIN : 0, streamId, length);
}

function checkToken(what: string, value: string): void {
  if (!isToken(value)) throw new RangeError(`${what} is not a token: ${JSON.stringify(value)}`);
}

/** A whole OPEN frame. */
export function encodeOpen(streamId: number, service: string, metadata?: Buffer): Buffer {
  checkToken("service", service);
  const meta = metadata ?? Buffer.alloc(0);
  if (meta.length > MAX_METADATA) throw new RangeError(`metadata over ${MAX_METADATA} bytes`);
  const length = 1 + service.length + meta.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
  writeFrameHeader(frame, 0, FrameType.Open, 0, streamId, length);
  frame[FRAME_HEADER_SIZE] = service.length;
  frame.write(service, FRAME_HEADER_SIZE + 1, "latin1");
  meta.copy(frame, FRAME_HEADER_SIZE + 1 + service.length);
  return frame;
}

/** A whole WINDOW frame granting `increment` bytes of credit. */
export function encodeWindow(streamId: number, increment: number): Buffer {
  if (!Number.isInteger(increment) || increment < 1 || increment > MAX_WINDOW) {
    throw new RangeError(`window increment out of range: ${increment}`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + WINDOW_PAYLOAD_SIZE);
  writeFrameHeader(frame, 0, FrameType.Window, 0, streamId, WINDOW_PAYLOAD_SIZE);
  frame.writeUInt32BE(increment, FRAME_HEADER_SIZE);
  return frame;
}

function encodeCodeFrame(type: FrameType, streamId: number, code: string): Buffer {
  checkToken("error code", code);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + code.length);
  writeFrameHeader(frame, 0, type, 0, streamId, code.length);
  frame.write(code, FRAME_HEADER_SIZE, "latin1");
  return frame;
}

/** A whole RESET frame with an error code. */
export function encodeReset(streamId: number, code: string): Buffer {
  return encodeCodeFrame(FrameType.Reset, streamId, code);
}

/** A whole GOAWAY frame; `code` is `OK` for a normal shutdown. */
export function encodeGoAway(code: string): Buffer {
  return encodeCodeFrame(FrameType.GoAway, 0, code);
}

/** A whole PING frame (`ack` set for the answer). */
export function encodePing(payload: Buffer, ack: boolean): Buffer {
  if (payload.length !== PING_PAYLOAD_SIZE) throw new RangeError("PING payload must be 8 bytes");
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + PING_PAYLOAD_SIZE);
  writeFrameHeader(frame, 0, FrameType.Ping, ack ? FLAG_ACK : 0, 0, PING_PAYLOAD_SIZE);
  payload.copy(frame, FRAME_HEADER_SIZE);
  return frame;
}

/**
 * Any frame, as the Buffers to send in order: for DATA the header and then the
 * payload itself (not copied), for the others one Buffer.
 */
export function encodeFrame(frame: Frame): Buffer[] {
  switch (frame.type) {
    case FrameType.Data:
      return [encodeDataHeader(frame.streamId, frame.payload.length, frame.fin), frame.payload];
    case FrameType.Open:
      return [encodeOpen(frame.streamId, frame.service, frame.metadata)];
    case FrameType.Window:
      return [encodeWindow(frame.streamId, frame.increment)];
    case FrameType.Reset:
      return [encodeReset(frame.streamId, frame.code)];
    case FrameType.Ping:
      return [encodePing(frame.payload, frame.ack)];
    case FrameType.GoAway:
      return [encodeGoAway(frame.code)];
  }
}
