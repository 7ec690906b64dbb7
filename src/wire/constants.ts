/**
 * Numbers of the mux frame format (docs/PROTOCOL.md section 4): frame types,
 * flag bits, sizes and limits. Every limit a decoder or the mux enforces is
 * named here, so the protocol doc and the code can be compared side by side.
 */

/** Frame types; the numbers are the wire values. */
export enum FrameType {
  Data = 0,
  Open = 1,
  Window = 2,
  Reset = 3,
  Ping = 4,
  GoAway = 5,
}

/** DATA flag: the sender's direction of the stream ends after this payload. */
export const FLAG_FIN = 0x01;
/** PING flag: this PING is the answer and echoes the payload. */
export const FLAG_ACK = 0x02;

/** Bytes in a frame header: type, flags, stream id (4), payload length (2). */
export const FRAME_HEADER_SIZE = 8;
/** Largest record plaintext: 65,535 minus the 16-byte AEAD tag. */
export const MAX_RECORD_PLAINTEXT = 65_519;
/** Largest frame payload: one frame filling a whole record. */
export const MAX_FRAME_PAYLOAD = MAX_RECORD_PLAINTEXT - FRAME_HEADER_SIZE;

/** Send credit of each direction of each stream when it opens. */
export const INITIAL_WINDOW = 262_144;
/** Largest send credit (and WINDOW increment): 2^31-1. */
export const MAX_WINDOW = 2 ** 31 - 1;
/** Largest stream id (4 bytes). */
export const MAX_STREAM_ID = 2 ** 32 - 1;
/** Streams one side may have open at once (opened by that side). */
export const MAX_STREAMS = 256;
/** Largest OPEN metadata. */
export const MAX_METADATA = 4_096;

/** Tokens (service names, error codes) are 1 to 64 bytes of `[A-Za-z0-9._/-]`. */
export const MAX_TOKEN_LENGTH = 64;
/** The same rule as a regular expression, for strings from the application. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._/-]{1,64}$/;

/** PING payload size. */
export const PING_PAYLOAD_SIZE = 8;
/** WINDOW payload size. */
export const WINDOW_PAYLOAD_SIZE = 4;
/** Largest OPEN payload: length byte, longest service, largest metadata. */
export const MAX_OPEN_PAYLOAD = 1 + MAX_TOKEN_LENGTH + MAX_METADATA;
/** The largest control frame, which any record must have room for. */
export const MAX_CONTROL_FRAME = FRAME_HEADER_SIZE + MAX_OPEN_PAYLOAD;

/** Lookup table of the token bytes, so decoding a token is one pass. */
export const TOKEN_BYTE = new Uint8Array(256);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") {
  TOKEN_BYTE[ch.charCodeAt(0)] = 1;
}

/** True when `value` is a valid token (a service name or an error code). */
export function isToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
