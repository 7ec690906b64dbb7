/**
 * Messages on a byte stream: each is a 4-byte big-endian length followed by
 * that many bytes. Used by the services that exchange discrete messages
 * (rpc, chat, forwarded UDP datagrams). Sans-IO: the splitter takes chunks as
 * they come and hands back whole messages; it never sees the stream.
 */
import { WireError } from "../errors.js";

/** Bytes of the length prefix. */
export const LENGTH_PREFIX_SIZE = 4;

/** `body` with its 4-byte length prefix, as one Buffer. */
export function frameMessage(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_PREFIX_SIZE + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, LENGTH_PREFIX_SIZE);
  return out;
}

export interface MessageSplitterOptions {
  /** Largest message body accepted. */
  maxSize: number;
  /** Whether an empty body (length 0) is allowed. @default false */
  allowEmpty?: boolean;
  /** Error code for a length over `maxSize` or an empty body. @default "ERR_MESSAGE_TOO_LARGE" */
  tooLargeCode?: string;
}

/**
 * Splits a byte stream into length-prefixed messages. The length is checked
 * against `maxSize` before any byte of the body is kept, so a hostile length
 * costs nothing.
 */
export class MessageSplitter {
  private readonly maxSize: number;
  private readonly allowEmpty: boolean;
  private readonly tooLargeCode: string;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the message being read, or -1 while its prefix is incomplete. */
  private expected = -1;

  constructor(options: MessageSplitterOptions) {
    this.maxSize = options.maxSize;
    this.allowEmpty = options.allowEmpty ?? false;
    this.tooLargeCode = options.tooLargeCode ?? "ERR_MESSAGE_TOO_LARGE";
  }

  /** Bytes held that do not yet make a whole message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk; returns the messages it completes, in order (bodies only,
   * which may be views of `chunk`). @throws WireError on a bad length
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (chunk.length === 0) return out;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < LENGTH_PREFIX_SIZE) break;
        const length = this.take(LENGTH_PREFIX_SIZE).readUInt32BE(0);
        if (length > this.maxSize || (length === 0 && !this.allowEmpty)) {
          this.chunks = [];
          this.buffered = 0;
          throw new WireError(
            this.tooLargeCode,
            length === 0
              ? "empty message"
              : `message of ${length} bytes is over the limit of ${this.maxSize}`,
          );
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      out.push(this.take(this.expected));
      this.expected = -1;
    }
    return out;
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      const head = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return head;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    this.buffered -= n;
    return out;
  }
}
