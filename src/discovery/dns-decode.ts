/**
 * Decodes one DNS message from a datagram. Every count, length and pointer
 * comes from the network, so each is checked before it is used; anything
 * out of bounds throws WireError `ERR_MDNS_MALFORMED` and nothing else.
 */
import { WireError } from "../errors.js";
import {
  type DnsMessage,
  MAX_LABEL_BYTES,
  MAX_NAME_BYTES,
  MDNS_MAX_MESSAGE,
  type Name,
  type Question,
  type RecordData,
  RecordType,
  type ResourceRecord,
} from "./dns-message.js";
import { formatIPv4, formatIPv6 } from "./ip.js";

const HEADER_BYTES = 12;
const MIN_QUESTION_BYTES = 5; // root name + type + class
const MIN_RECORD_BYTES = 11; // root name + type + class + ttl + rdlength
const MAX_POINTER_HOPS = 64;
const utf8 = new TextDecoder("utf-8");

function malformed(message: string): WireError {
  return new WireError("ERR_MDNS_MALFORMED", `malformed mDNS message: ${message}`);
}

class Reader {
  private readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(count: number, end = this.bytes.length): void {
    if (this.offset + count > end) throw malformed(`truncated at byte ${this.offset}`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  take(count: number): Uint8Array {
    this.need(count);
    const out = this.bytes.slice(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  /** A possibly compressed name; pointers may only point backwards. */
  name(): Name {
    const labels: string[] = [];
    let position = this.offset;
    let resumeAt = -1;
    let encodedBytes = 1;
    for (let hops = 0; ; ) {
      if (position >= this.bytes.length) throw malformed("name runs past the end");
      const length = this.bytes[position]!;
      if (length === 0) {
        position += 1;
        break;
      }
      const kind = length & 0xc0;
      if (kind === 0xc0) {
        if (position + 1 >= this.bytes.length) throw malformed("truncated name pointer");
        const target = ((length & 0x3f) << 8) | this.bytes[position + 1]!;
        if (target >= position) throw malformed("name pointer does not point backwards");
        if (++hops > MAX_POINTER_HOPS) throw malformed("too many name pointers");
        if (resumeAt < 0) resumeAt = position + 2;
        position = target;
        continue;
      }
      if (kind !== 0 || length > MAX_LABEL_BYTES) throw malformed("bad label type");
      encodedBytes += length + 1;
      if (encodedBytes > MAX_NAME_BYTES) throw malformed("name longer than 255 bytes");
      if (position + 1 + length > this.bytes.length) throw malformed("label runs past the end");
      labels.push(utf8.decode(this.bytes.subarray(position + 1, position + 1 + length)));
      position += 1 + length;
    }
    this.offset = resumeAt >= 0 ? resumeAt : position;
    return labels;
  }
}

function decodeData(reader: Reader, type: number, length: number): RecordData {
  const end = reader.offset + length;
  reader.need(length);
  let data: RecordData;
  switch (type) {
    case RecordType.A:
      if (length !== 4) throw malformed(`A record of ${length} bytes`);
      data = { kind: "a", address: formatIPv4(reader.take(4)) };
      break;
    case RecordType.AAAA:
      if (length !== 16) throw malformed(`AAAA record of ${length} bytes`);
      data = { kind: "aaaa", address: formatIPv6(reader.take(16)) };
      break;
    case RecordType.PTR:
      data = { kind: "ptr", target: reader.name() };
      break;
    case RecordType.SRV: {
      reader.need(6, end);
      const priority = reader.u16();
      const weight = reader.u16();
      const port = reader.u16();
      data = { kind: "srv", priority, weight, port, target: reader.name() };
      break;
    }
    case RecordType.TXT: {
      const strings: Uint8Array[] = [];
      while (reader.offset < end) {
        const size = reader.u8();
        reader.need(size, end);
        strings.push(reader.take(size));
      }
      data = { kind: "txt", strings };
      break;
    }
    default:
      data = { kind: "other", type, rdata: reader.take(length) };
  }
  if (reader.offset !== end) throw malformed(`record data of type ${type} has the wrong length`);
  return data;
}

function decodeRecord(reader: Reader): ResourceRecord {
  const name = reader.name();
  const type = reader.u16();
  const rawClass = reader.u16();
  const ttl = reader.u32();
  const length = reader.u16();
  return {
    name,
    rrclass: rawClass & 0x7fff,
    cacheFlush: (rawClass & 0x8000) !== 0,
    ttl,
    data: decodeData(reader, type, length),
  };
}

function decodeQuestion(reader: Reader): Question {
  const name = reader.name();
  const qtype = reader.u16();
  const rawClass = reader.u16();
  return { name, qtype, qclass: rawClass & 0x7fff, unicastResponse: (rawClass & 0x8000) !== 0 };
}

/**
 * Decodes a DNS message.
 * @throws WireError ERR_MDNS_MALFORMED for anything that is not a well-formed message
 */
export function decodeMessage(bytes: Uint8Array): DnsMessage {
  if (bytes.length < HEADER_BYTES) throw malformed(`only ${bytes.length} bytes`);
  if (bytes.length > MDNS_MAX_MESSAGE) throw malformed(`${bytes.length} bytes is too large`);
  const reader = new Reader(bytes);
  const id = reader.u16();
  const flags = reader.u16();
  const counts = [reader.u16(), reader.u16(), reader.u16(), reader.u16()] as const;
  const [qdCount, anCount, nsCount, arCount] = counts;
  // Refuse impossible counts before looping: each entry takes some minimum space.
  const minimum = qdCount * MIN_QUESTION_BYTES + (anCount + nsCount + arCount) * MIN_RECORD_BYTES;
  if (minimum > bytes.length - HEADER_BYTES) {
    throw malformed(`counts ${counts.join("/")} cannot fit in ${bytes.length} bytes`);
  }
  const questions = Array.from({ length: qdCount }, () => decodeQuestion(reader));
  const answers = Array.from({ length: anCount }, () => decodeRecord(reader));
  const authorities = Array.from({ length: nsCount }, () => decodeRecord(reader));
  const additionals = Array.from({ length: arCount }, () => decodeRecord(reader));
  return {
    id,
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    questions,
    answers,
    authorities,
    additionals,
  };
}
