/** Options and counters of a Mux. */
import type { MuxStream } from "./mux-stream.js";

/** Options of a Mux. */
export interface MuxOptions {
  /** True on the side that dialled: it opens odd stream ids, the other even. */
  isInitiator: boolean;
  /**
   * Bytes each stream may have in flight towards us; the peer's initial
   * 256 KiB credit is grown to this at once. 262,144 to 2^31-1.
   * @default 1 MiB
   */
  receiveWindow?: number;
  /**
   * Streams each side may have open at once; beyond it `openStream` throws
   * and the peer's OPEN is answered with RESET `ERR_TOO_MANY_STREAMS`.
   * @default 256
   */
  maxStreams?: number;
  /**
   * Called with each stream the peer opens; the handler decides (and may
   * `reset()` it). Without a handler every OPEN is answered with RESET
   * `ERR_UNKNOWN_SERVICE`. Exceptions propagate out of `receiveRecord`.
   * @default undefined
   */
  onStream?: (stream: MuxStream) => void;
  /**
   * Called (synchronously, possibly often: coalesce) when `pull()` may now
   * return frames. Never called from inside `pull()`.
   */
  onWritable: () => void;
  /**
   * Called once when the peer sends GOAWAY, with its code (`OK` for a normal
   * shutdown). The mux answers with its own GOAWAY `OK` if it sent none.
   * @default undefined
   */
  onRemoteGoAway?: (code: string) => void;
  /**
   * Called once (on the next tick) when GOAWAY went both ways, no stream is
   * open and nothing is left to send: the transport may close.
   * @default undefined
   */
  onIdle?: () => void;
}

/** Counters of a Mux; the link adds its own byte counters. */
export interface MuxStats {
  streamsOpen: number;
  /** DATA payload bytes handed out by `pull`. */
  dataBytesSent: number;
  /** DATA payload bytes received. */
  dataBytesReceived: number;
}
