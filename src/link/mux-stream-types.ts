/** Types shared by MuxStream and its Mux, and the error of a peer's RESET. */
import { LinkError } from "../errors.js";
import type { MuxStream } from "./mux-stream.js";

/** A write or final callback of the Duplex. */
export type StreamCallback = (err?: Error | null) => void;

/** What a stream needs from its mux. */
export interface StreamHost {
  /** Consumed bytes to gather before returning credit with WINDOW. */
  readonly windowThreshold: number;
  /** The stream has DATA or FIN to send. */
  wantsToSend(stream: MuxStream): void;
  /** Send WINDOW returning `bytes` of credit to the peer. */
  grantCredit(stream: MuxStream, bytes: number): void;
  /** Forget the stream; send RESET with `resetCode` unless it is null. */
  release(stream: MuxStream, resetCode: string | null): void;
}

/** The peer reset the stream; `remoteCode` is the code it sent. */
export class StreamResetError extends LinkError {
  /** The peer's code, e.g. `ERR_UNKNOWN_SERVICE`. */
  readonly remoteCode: string;

  constructor(streamId: number, remoteCode: string) {
    super("ERR_STREAM_RESET", `stream ${streamId} was reset by the peer (${remoteCode})`);
    this.remoteCode = remoteCode;
  }
}

/** Static facts of a stream, set when it opens. */
export interface MuxStreamInit {
  id: number;
  service: string;
  metadata: Buffer;
  isLocal: boolean;
  /** Credit the peer has for sending to us (initial window plus any growth). */
  receiveCredit: number;
}
