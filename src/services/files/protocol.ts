/**
 * Records of the files service on a stream (PROTOCOL.md "Files service"):
 * a 1-byte type, a 4-byte big-endian body length, then the body. Control
 * records carry CBOR; DATA records carry raw file bytes, which the decoder
 * hands out as views of the incoming chunks, never copied or gathered.
 * Sans-IO: `RecordDecoder.push(chunk)` returns events; it never sees the
 * stream. Every length is checked against its type's limit before a byte of
 * the body is kept.
 */
import { WireError } from "../../errors.js";

/** Record types; the numbers are the wire values. */
export enum RecordType {
  // On the control stream.
  Offer = 0x01,
  Accept = 0x02,
  Reject = 0x03,
  Ack = 0x04,
  Done = 0x05,
  Error = 0x06,
  // On data streams.
  File = 0x10,
  Data = 0x11,
  End = 0x12,
  Skip = 0x13,
}

/** Bytes of a record header: type and length. */
export const RECORD_HEADER_SIZE = 5;
/** Largest DATA body: the sender reads files in chunks of this size. */
export const MAX_DATA_CHUNK = 1024 * 1024;
/** Largest OFFER body (a manifest). */
export const MAX_OFFER_BYTES = 32 * 1024 * 1024;
/** Deepest nesting in a control record's CBOR (a manifest needs 3). */
export const MAX_RECORD_DEPTH = 8;
/** Bytes of a SHA-256 digest: the body of END. */
export const HASH_SIZE = 32;

/** Largest body of each type. */
const MAX_BODY: Record<RecordType, number> = {
  [RecordType.Offer]: MAX_OFFER_BYTES,
  [RecordType.Accept]: 16 * 1024 * 1024,
  [RecordType.Reject]: 4096,
  [RecordType.Ack]: 1024 * 1024,
  [RecordType.Done]: 4096,
  [RecordType.Error]: 4096,
  [RecordType.File]: 256,
  [RecordType.Data]: MAX_DATA_CHUNK,
  [RecordType.End]: HASH_SIZE,
  [RecordType.Skip]: 4096,
};

/** A decoded record: a whole body, or for DATA one piece of it. */
export type RecordEvent =
  | { type: Exclude<RecordType, RecordType.Data>; body: Buffer }
  | { type: RecordType.Data; chunk: Buffer };

/** The 5-byte header of a record of `length` body bytes. */
export function recordHeader(type: RecordType, length: number): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
  header[0] = type;
  header.writeUInt32BE(length, 1);
  return header;
}

/** A whole record (header and a copy of `body`) in one Buffer. */
export function encodeRecord(type: RecordType, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_SIZE + body.length);
  out[0] = type;
  out.writeUInt32BE(body.length, 1);
  out.set(body, RECORD_HEADER_SIZE);
  return out;
}

function isRecordType(value: number): value is RecordType {
  return Object.hasOwn(MAX_BODY, value);
}

/**
 * Splits a stream into records. `allowed` lists the types this stream may
 * carry; anything else, or a body over its type's limit, is a WireError
 * `ERR_FILES_PROTOCOL` (the link should close).
 */
export class RecordDecoder {
  private readonly allowed: ReadonlySet<RecordType>;
  private header = Buffer.alloc(RECORD_HEADER_SIZE);
  private headerFill = 0;
  private type: RecordType | undefined;
  /** Body bytes of the current record still to come. */
  private left = 0;
  private parts: Buffer[] = [];

  constructor(allowed: Iterable<RecordType>) {
    this.allowed = new Set(allowed);
  }

  /** True between records (nothing half-read). */
  get atBoundary(): boolean {
    return this.type === undefined && this.headerFill === 0;
  }

  /** The events `chunk` completes, in order. @throws WireError ERR_FILES_PROTOCOL */
  push(chunk: Buffer): RecordEvent[] {
    const events: RecordEvent[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.type === undefined) {
        const take = Math.min(RECORD_HEADER_SIZE - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < RECORD_HEADER_SIZE) break;
        this.headerFill = 0;
        this.start(events);
        continue;
      }
      const take = Math.min(this.left, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      offset += take;
      this.left -= take;
      if (this.type === RecordType.Data) {
        events.push({ type: RecordType.Data, chunk: piece });
      } else {
        this.parts.push(piece);
      }
      if (this.left === 0) this.finish(events);
    }
    return events;
  }

  private start(events: RecordEvent[]): void {
    const type = this.header[0]!;
    const length = this.header.readUInt32BE(1);
    if (!isRecordType(type) || !this.allowed.has(type)) {
      throw new WireError("ERR_FILES_PROTOCOL", `unexpected record type 0x${type.toString(16)}`);
    }
    if (length > MAX_BODY[type]) {
      const code = type === RecordType.Offer ? "ERR_MANIFEST_LIMIT" : "ERR_FILES_PROTOCOL";
      throw new WireError(code, `record of ${length} bytes is over the limit for its type`);
    }
    if (type === RecordType.End && length !== HASH_SIZE) {
      throw new WireError("ERR_FILES_PROTOCOL", `END of ${length} bytes, not ${HASH_SIZE}`);
    }
    if (type === RecordType.Data && length === 0) {
      throw new WireError("ERR_FILES_PROTOCOL", "empty DATA record");
    }
    this.type = type;
    this.left = length;
    if (length === 0) this.finish(events);
  }

  private finish(events: RecordEvent[]): void {
    const type = this.type!;
    this.type = undefined;
    if (type === RecordType.Data) return;
    const parts = this.parts;
    this.parts = [];
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    events.push({ type, body });
  }
}
