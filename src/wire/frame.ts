/**
 * Frames as typed objects: what the decoder returns and `encodeFrame` takes.
 * These are wire types; the mux turns them into stream events.
 */
import type { FrameType } from "./constants.js";

/** Stream bytes; `fin` ends the sender's direction after `payload`. */
export interface DataFrame {
  type: FrameType.Data;
  streamId: number;
  fin: boolean;
  /** A view into the record plaintext (no copy). */
  payload: Buffer;
}

/** Opens stream `streamId` for `service`, with opaque `metadata`. */
export interface OpenFrame {
  type: FrameType.Open;
  streamId: number;
  service: string;
  /** A view into the record plaintext (no copy). */
  metadata: Buffer;
}

/** Grants `increment` more bytes of send credit on the stream. */
export interface WindowFrame {
  type: FrameType.Window;
  streamId: number;
  increment: number;
}

/** Aborts the stream in both directions with an error code. */
export interface ResetFrame {
  type: FrameType.Reset;
  streamId: number;
  code: string;
}

/** A ping (`ack` false) or its answer (`ack` true), on stream 0. */
export interface PingFrame {
  type: FrameType.Ping;
  ack: boolean;
  /** 8 bytes; a view into the record plaintext (no copy). */
  payload: Buffer;
}

/** The sender opens no more streams and refuses new ones; on stream 0. */
export interface GoAwayFrame {
  type: FrameType.GoAway;
  code: string;
}

/** Any mux frame. */
export type Frame = DataFrame | OpenFrame | WindowFrame | ResetFrame | PingFrame | GoAwayFrame;
