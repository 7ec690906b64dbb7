/**
 * Encodes DNS messages for Multicast DNS: a pure function from a message to
 * bytes, with name compression. Only records we build ourselves pass through
 * here, so a name or size out of range is a bug in the caller (ConfigError
 * for names that came from options, checked earlier by the announcer).
 */
import { ConfigError } from "../errors.js";
import {
  MAX_LABEL_BYTES,
  MAX_NAME_BYTES,
  MDNS_MAX_MESSAGE,
  type Name,
  nameKey,
  type Question,
  type RecordData,
  type ResourceRecord,
  recordType,
} from "./dns-message.js";
import { parseIPv4, parseIPv6 } from "./ip.js";

export interface OutgoingMessage {
  /** @default 0 (mDNS uses 0 except for legacy unicast) */
  id?: number;
  isResponse: boolean;
  questions?: readonly Question[];
  answers?: readonly ResourceRecord[];
  authorities?: readonly ResourceRecord[];
  additionals?: readonly ResourceRecord[];
}

const FLAG_RESPONSE = 0x8000;
const FLAG_AUTHORITATIVE = 0x0400;
const utf8 = new TextEncoder();

/** Checks that a name can be encoded: labels of 1 to 63 bytes, 255 bytes in all. */
export function checkName(name: Name): void {
  let total = 1;
  for (const label of name) {
    const size = utf8.encode(label).length;
    if (size === 0 || size > MAX_LABEL_BYTES) {
      throw new ConfigError("ERR_MDNS_NAME", `DNS label "${label}" must have 1 to 63 bytes`);
    }
    total += size + 1;
  }
  if (total > MAX_NAME_BYTES) throw new ConfigError("ERR_MDNS_NAME", "DNS name too long");
}

class Writer {
  private buffer = new Uint8Array(512);
  private view = new DataView(this.buffer.buffer);
  length = 0;
  /** Offsets of name suffixes already written, for compression (RFC 1035 4.1.4). */
  private readonly suffixes = new Map<string, number>();

  private room(count: number): void {
    if (this.length + count > MDNS_MAX_MESSAGE) {
      throw new ConfigError("ERR_MDNS_TOO_LARGE", "mDNS message would exceed 9000 bytes");
    }
    if (this.length + count <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + count));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.room(1);
    this.view.setUint8(this.length++, value);
  }

  u16(value: number): void {
    this.room(2);
    this.view.setUint16(this.length, value);
    this.length += 2;
  }

  u32(value: number): void {
    this.room(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
  }

  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** Writes u16 `value` at an earlier offset (rdlength once known). */
  patch16(offset: number, value: number): void {
    this.view.setUint16(offset, value);
  }

  name(name: Name): void {
    checkName(name);
    for (let i = 0; i < name.length; i++) {
      const key = nameKey(name.slice(i));
      const earlier = this.suffixes.get(key);
      if (earlier !== undefined) {
        this.u16(0xc000 | earlier);
        return;
      }
      if (this.length < 0x3fff) this.suffixes.set(key, this.length);
      const label = utf8.encode(name[i]!);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  done(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function address(text: string, parse: (t: string) => Uint8Array | null): Uint8Array {
  const bytes = parse(text);
  if (!bytes) throw new ConfigError("ERR_MDNS_ADDRESS", `"${text}" is not an IP address`);
  return bytes;
}

function writeData(writer: Writer, data: RecordData): void {
  switch (data.kind) {
    case "a":
      writer.bytes(address(data.address, parseIPv4));
      break;
    case "aaaa":
      writer.bytes(address(data.address, parseIPv6));
      break;
    case "ptr":
      writer.name(data.target);
      break;
    case "srv":
      writer.u16(data.priority);
      writer.u16(data.weight);
      writer.u16(data.port);
      // RFC 2782: the SRV target is never compressed.
      for (const label of data.target) {
        const bytes = utf8.encode(label);
        writer.u8(bytes.length);
        writer.bytes(bytes);
      }
      writer.u8(0);
      break;
    case "txt":
      // RFC 6763 6.1: an empty TXT record holds one empty string.
      for (const text of data.strings.length > 0 ? data.strings : [new Uint8Array(0)]) {
        if (text.length > 255) throw new ConfigError("ERR_MDNS_TXT", "TXT string over 255 bytes");
        writer.u8(text.length);
        writer.bytes(text);
      }
      break;
    case "other":
      writer.bytes(data.rdata);
      break;
  }
}

function writeRecord(writer: Writer, record: ResourceRecord): void {
  writer.name(record.name);
  writer.u16(recordType(record.data));
  writer.u16((record.cacheFlush ? 0x8000 : 0) | record.rrclass);
  writer.u32(record.ttl);
  const lengthAt = writer.length;
  writer.u16(0);
  writeData(writer, record.data);
  writer.patch16(lengthAt, writer.length - lengthAt - 2);
}

/** Encodes `message`. @throws ConfigError when a name or the size is out of range */
export function encodeMessage(message: OutgoingMessage): Uint8Array {
  const writer = new Writer();
  const questions = message.questions ?? [];
  const sections = [message.answers ?? [], message.authorities ?? [], message.additionals ?? []];
  writer.u16(message.id ?? 0);
  writer.u16(message.isResponse ? FLAG_RESPONSE | FLAG_AUTHORITATIVE : 0);
  writer.u16(questions.length);
  for (const section of sections) writer.u16(section.length);
  for (const question of questions) {
    writer.name(question.name);
    writer.u16(question.qtype);
    writer.u16((question.unicastResponse ? 0x8000 : 0) | question.qclass);
  }
  for (const section of sections) for (const record of section) writeRecord(writer, record);
  return writer.done();
}
