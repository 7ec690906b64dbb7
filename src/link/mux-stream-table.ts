/**
 * The stream ids of a Mux: which are open, which side opened them, and the
 * id rules of docs/PROTOCOL.md section 4 ("Streams"). Ids are never reused,
 * so an id at or below the last one opened but not in the table is closed.
 */
import { LinkError, WireError } from "../errors.js";
import { MAX_STREAM_ID } from "../wire/index.js";
import type { MuxStream } from "./mux-stream.js";

/** Open streams by id, and the counters the id rules need. */
export class StreamTable {
  /** Streams opened by this side that are still open. */
  localOpen = 0;
  /** Streams opened by the peer that are still open. */
  remoteOpen = 0;

  private readonly streams = new Map<number, MuxStream>();
  /** Low bit of the ids the peer opens. */
  private readonly remoteParity: number;
  private nextLocalId: number;
  /** The last local id whose OPEN went out: the peer knows ids up to it. */
  private lastLocalAnnounced = 0;
  private lastRemoteId = 0;

  constructor(
    isInitiator: boolean,
    private readonly maxStreams: number,
  ) {
    this.nextLocalId = isInitiator ? 1 : 2;
    this.remoteParity = isInitiator ? 0 : 1;
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /** The id for a new local stream; throws LinkError `ERR_TOO_MANY_STREAMS`. */
  nextId(): number {
    if (this.localOpen >= this.maxStreams || this.nextLocalId > MAX_STREAM_ID) {
      throw new LinkError("ERR_TOO_MANY_STREAMS", `${this.localOpen} streams are open`);
    }
    const id = this.nextLocalId;
    this.nextLocalId += 2;
    return id;
  }

  /**
   * Checks the id of the peer's OPEN (throws WireError `ERR_STREAM_ID`) and
   * records it as opened; false when the peer is at its stream limit.
   */
  acceptRemoteId(id: number): boolean {
    if ((id & 1) !== this.remoteParity || id <= this.lastRemoteId) {
      throw new WireError("ERR_STREAM_ID", `OPEN of stream ${id} after ${this.lastRemoteId}`);
    }
    this.lastRemoteId = id;
    return this.remoteOpen < this.maxStreams;
  }

  /** Adds a stream (local from `nextId`, remote after `acceptRemoteId`). */
  add(stream: MuxStream): void {
    this.streams.set(stream.id, stream);
    if (stream.isLocal) this.localOpen++;
    else this.remoteOpen++;
  }

  /** Our OPEN of `id` went out. */
  announced(id: number): void {
    this.lastLocalAnnounced = id;
    const stream = this.streams.get(id);
    if (stream !== undefined) stream.announced = true;
  }

  /** Forgets `stream`; false if it was not in the table. */
  remove(stream: MuxStream): boolean {
    if (this.streams.get(stream.id) !== stream) return false;
    this.streams.delete(stream.id);
    if (stream.isLocal) this.localOpen--;
    else this.remoteOpen--;
    return true;
  }

  /**
   * The open stream for a peer's DATA, WINDOW or RESET; undefined when it is
   * closed (the frame raced with a RESET or FIN). Throws WireError
   * `ERR_STREAM_ID` for an id the peer cannot have seen opened.
   */
  lookup(id: number): MuxStream | undefined {
    const stream = this.streams.get(id);
    if (stream?.announced) return stream;
    const lastOpened = (id & 1) === this.remoteParity ? this.lastRemoteId : this.lastLocalAnnounced;
    if (stream !== undefined || id > lastOpened) {
      throw new WireError("ERR_STREAM_ID", `frame for stream ${id}, which was never opened`);
    }
    return undefined;
  }

  /** Empties the table and returns what was in it. */
  clear(): MuxStream[] {
    const streams = [...this.streams.values()];
    this.streams.clear();
    this.localOpen = 0;
    this.remoteOpen = 0;
    return streams;
  }
}
