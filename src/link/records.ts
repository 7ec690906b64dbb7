/**
 * The record layer: Noise transport messages on a byte stream. Each record is
 * a 2-byte length and ChaCha20-Poly1305 ciphertext with its tag (PROTOCOL.md
 * §3). Sans-IO: `RecordSealer` turns plaintext parts into bytes to write,
 * `RecordOpener` turns received chunks into authenticated plaintexts.
 *
 * Hot path: a record is built in one buffer and encrypted in place (one
 * native call with libsodium, see record-aead.ts); on receive a copy only
 * when a record straddles two chunks.
 */
import { WireError } from "../errors.js";
import { type AeadBackend, createRecordAead, type RecordAead, TAG_BYTES } from "./record-aead.js";

const LENGTH_BYTES = 2;
/** Largest Noise message: the 2-byte length field's limit. */
export const MAX_RECORD_BYTES = 65_535;
export const MAX_RECORD_PLAINTEXT = MAX_RECORD_BYTES - TAG_BYTES;
/** A tag and at least one 8-byte frame header. */
const MIN_RECORD_BYTES = TAG_BYTES + 8;
/** Noise reserves nonce 2^64-1; we stop far earlier, at 2^53, where a JS number is still exact. */
const MAX_NONCE = Number.MAX_SAFE_INTEGER;

function nonceFor(counter: number, out: Buffer): Buffer {
  // ChaChaPoly in Noise: 4 zero bytes, then the 64-bit little-endian counter.
  out.writeUInt32LE(counter >>> 0, 4);
  out.writeUInt32LE(Math.floor(counter / 2 ** 32), 8);
  return out;
}

/** Encrypts outgoing records with one direction's Noise cipher key. */
export class RecordSealer {
  private readonly aead: RecordAead;
  private readonly nonce = Buffer.alloc(12);
  private counter = 0;

  constructor(key: Buffer, backend?: AeadBackend) {
    this.aead = createRecordAead(key, backend);
  }

  get backend(): AeadBackend {
    return this.aead.backend;
  }

  /** Seals one record whose plaintext is the concatenation of `parts`; returns its bytes. */
  seal(parts: readonly Buffer[]): Buffer {
    let length = 0;
    for (const part of parts) length += part.length;
    if (length === 0 || length > MAX_RECORD_PLAINTEXT) {
      throw new RangeError(`record plaintext of ${length} bytes`);
    }
    if (this.counter >= MAX_NONCE)
      throw new WireError("ERR_NONCE_EXHAUSTED", "send nonce exhausted");
    const record = Buffer.allocUnsafe(LENGTH_BYTES + length + TAG_BYTES);
    record.writeUInt16BE(length + TAG_BYTES, 0);
    let at = LENGTH_BYTES;
    for (const part of parts) {
      record.set(part, at);
      at += part.length;
    }
    this.aead.sealInPlace(nonceFor(this.counter++, this.nonce), record.subarray(LENGTH_BYTES));
    return record;
  }
}

/** Parses and decrypts incoming records with the other direction's key. */
export class RecordOpener {
  private readonly aead: RecordAead;
  private readonly nonce = Buffer.alloc(12);
  private counter = 0;
  /** Pieces of a record that straddles chunks, and their total length. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(key: Buffer, backend?: AeadBackend) {
    this.aead = createRecordAead(key, backend);
  }

  /** Bytes of a record begun but not complete yet (0 between records). */
  get partialBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds received bytes; calls `onRecord` with each authenticated plaintext
   * in order. Throws WireError (ERR_RECORD_SIZE, ERR_DECRYPT) on bad input,
   * after which the opener must not be used again.
   */
  push(chunk: Buffer, onRecord: (plaintext: Buffer) => void): void {
    if (chunk.length === 0) return;
    let offset = 0;
    if (this.pendingBytes > 0) {
      offset = this.completePending(chunk, onRecord);
      if (offset < 0) return;
    }
    while (chunk.length - offset >= LENGTH_BYTES) {
      const length = chunk.readUInt16BE(offset);
      checkLength(length);
      const end = offset + LENGTH_BYTES + length;
      if (end > chunk.length) break;
      onRecord(this.open(chunk.subarray(offset + LENGTH_BYTES, end)));
      offset = end;
    }
    if (offset < chunk.length) this.keep(chunk.subarray(offset));
  }

  /** Returns the offset after the completed record, or -1 if still incomplete. */
  private completePending(chunk: Buffer, onRecord: (plaintext: Buffer) => void): number {
    let used = 0;
    if (this.pendingBytes < LENGTH_BYTES) {
      // Only one byte of the length field is pending: join it with the next.
      const head = Buffer.from([this.pending[0]![0]!, chunk[0]!]);
      checkLength(head.readUInt16BE(0));
      this.pending = [head];
      this.pendingBytes = LENGTH_BYTES;
      used = 1;
    }
    const total = LENGTH_BYTES + this.pending[0]!.readUInt16BE(0);
    const missing = total - this.pendingBytes;
    if (chunk.length - used < missing) {
      if (chunk.length > used) this.keep(chunk.subarray(used));
      return -1;
    }
    this.pending.push(chunk.subarray(used, used + missing));
    const record = Buffer.concat(this.pending, total);
    this.pending = [];
    this.pendingBytes = 0;
    onRecord(this.open(record.subarray(LENGTH_BYTES)));
    return used + missing;
  }

  private keep(piece: Buffer): void {
    // No copy: a chunk handed out by a Node stream belongs to its reader.
    this.pending.push(piece);
    this.pendingBytes += piece.length;
  }

  private open(sealed: Buffer): Buffer {
    if (this.counter >= MAX_NONCE)
      throw new WireError("ERR_NONCE_EXHAUSTED", "receive nonce exhausted");
    const plaintext = this.aead.open(nonceFor(this.counter++, this.nonce), sealed);
    if (plaintext === undefined) {
      throw new WireError("ERR_DECRYPT", "a record failed authentication (corrupted or forged)");
    }
    return plaintext;
  }
}

function checkLength(length: number): void {
  if (length < MIN_RECORD_BYTES) {
    throw new WireError(
      "ERR_RECORD_SIZE",
      `record length ${length} is below the minimum ${MIN_RECORD_BYTES}`,
    );
  }
}
