/**
 * One data stream on the receiver: FILE, DATA..., END (or SKIP) for one
 * file after another. Sizes are enforced as the bytes come (more than
 * announced, or END too early, is ERR_FILE_SIZE), each file is hashed while
 * written, and a small file is kept in memory and handed to the batcher so
 * the next one can start at once; a large one streams into its .part.
 */
import { createHash, type Hash, timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";
import { WireError } from "../../errors.js";
import type { FinalizeItem } from "./finalize.js";
import type { ManifestEntry } from "./manifest.js";
import { decodeCodeMessage, decodeFileStart, type FileStart } from "./messages.js";
import { PartWriter } from "./part-writer.js";
import { MAX_DATA_CHUNK, RecordType } from "./protocol.js";
import { RecordReader } from "./record-io.js";

/** Files whose remaining bytes fit one DATA record are collected in memory. */
const SMALL_FILE_MAX = MAX_DATA_CHUNK;

/** Where an admitted file goes. */
export interface AdmittedFile {
  entry: ManifestEntry;
  finalPath: string;
  partPath: string;
  /** The running hash of the verified prefix, when continuing. */
  resumeHash?: Hash;
}

/** What a data stream needs of its transfer. */
export interface DataSink {
  touch(): void;
  /** Checks a FILE (entry, offset) and returns where it goes. @throws WireError */
  admit(start: FileStart): AdmittedFile;
  /** Bytes of entry `index` arrived. */
  received(index: number, bytes: number): void;
  /** A small file is complete and checked: finalize it with others. */
  completeSmall(index: number, item: FinalizeItem, sha256: Buffer): Promise<void> | undefined;
  /** A large file is complete, checked and open: finalize it now. */
  completeLarge(index: number, item: FinalizeItem, sha256: Buffer): Promise<void>;
  /** The sender could not send entry `index`. */
  skipped(index: number, code: string, message: string): void;
  /**
   * Opens the .part of a file in progress, tracked so that a failed
   * transfer closes it (and keeps it if `resumable`). @throws TransferError
   * ERR_LINK_CLOSED if the transfer ended meanwhile (the .part is dealt with)
   */
  openPart(open: () => Promise<PartWriter>, resumable: boolean): Promise<PartWriter>;
  /** A partial file no longer in progress. */
  untrack(writer: PartWriter): void;
}

function sizeError(entry: ManifestEntry, why: string): WireError {
  return new WireError(
    "ERR_FILE_SIZE",
    `${entry.path}: ${why} than the ${entry.size} bytes announced`,
  );
}

/** Receives files from one data stream until it ends. @throws WireError on a protocol violation */
export async function receiveDataStream(stream: Readable, sink: DataSink): Promise<void> {
  const reader = new RecordReader(stream, [
    RecordType.File,
    RecordType.Data,
    RecordType.End,
    RecordType.Skip,
  ]);
  let file: IncomingFile | undefined;
  // Records already decoded are handled without a promise each; only a
  // new chunk, a file's start or end, or a full write pipeline is awaited.
  for (;;) {
    const event = reader.take();
    if (event === undefined) {
      if (!(await reader.fill())) break;
      sink.touch();
      continue;
    }
    if (event.type === RecordType.Data) {
      if (file === undefined) throw new WireError("ERR_FILES_PROTOCOL", "DATA outside a file");
      const wait = file.data(event.chunk);
      if (wait !== undefined) await wait;
      continue;
    }
    if (event.type === RecordType.File) {
      if (file !== undefined) throw new WireError("ERR_FILES_PROTOCOL", "FILE inside a file");
      file = await IncomingFile.start(decodeFileStart(event.body), sink);
    } else if (event.type === RecordType.End) {
      if (file === undefined) throw new WireError("ERR_FILES_PROTOCOL", "END outside a file");
      const current = file;
      file = undefined;
      await current.end(event.body);
    } else if (event.type === RecordType.Skip) {
      const skip = decodeCodeMessage(event.body, RecordType.Skip);
      if (file === undefined || skip.index !== file.index) {
        throw new WireError("ERR_FILES_PROTOCOL", "SKIP for a file not in progress");
      }
      const current = file;
      file = undefined;
      await current.skip(skip.code, skip.message);
    }
  }
  if (file !== undefined) throw sizeError(file.entry, "the stream ended with fewer bytes");
}

class IncomingFile {
  private received = 0;
  private chunks: Buffer[] = [];
  private hash: Hash | undefined;

  private constructor(
    readonly index: number,
    readonly entry: ManifestEntry,
    private readonly offset: number,
    private readonly item: FinalizeItem,
    private readonly sink: DataSink,
    private readonly writer: PartWriter | undefined,
  ) {
    if (writer === undefined) this.hash = createHash("sha256");
  }

  static async start(start: FileStart, sink: DataSink): Promise<IncomingFile> {
    const { entry, finalPath, partPath, resumeHash } = sink.admit(start);
    const item: FinalizeItem = { partPath, finalPath, mode: entry.mode, mtimeMs: entry.mtimeMs };
    const small = entry.size !== null && start.offset === 0 && entry.size <= SMALL_FILE_MAX;
    // A stream of unknown length cannot be resumed: its .part is not worth keeping.
    const writer = small
      ? undefined
      : await sink.openPart(
          () => PartWriter.open(partPath, start.offset, resumeHash),
          entry.size !== null,
        );
    return new IncomingFile(start.index, entry, start.offset, item, sink, writer);
  }

  data(chunk: Buffer): Promise<void> | undefined {
    this.received += chunk.length;
    const { size } = this.entry;
    if (size !== null && this.offset + this.received > size) {
      throw sizeError(this.entry, "more data");
    }
    this.sink.received(this.index, chunk.length);
    if (this.writer !== undefined) return this.writer.write(chunk);
    this.hash!.update(chunk);
    this.chunks.push(chunk);
    return undefined;
  }

  async end(expected: Buffer): Promise<void> {
    const { size } = this.entry;
    if (size !== null && this.offset + this.received !== size) {
      if (this.writer !== undefined) {
        await this.writer.abandon(false);
        this.sink.untrack(this.writer);
      }
      throw sizeError(this.entry, "fewer bytes");
    }
    if (this.writer === undefined) {
      const sha256 = this.hash!.digest();
      if (!timingSafeEqual(sha256, expected)) {
        throw new WireError(
          "ERR_HASH_MISMATCH",
          `${this.entry.path}: SHA-256 does not match the sender's`,
        );
      }
      const wait = this.sink.completeSmall(this.index, { ...this.item, data: this.chunks }, sha256);
      if (wait !== undefined) await wait;
      return;
    }
    const { handle, sha256 } = await this.writer.complete(expected);
    this.sink.untrack(this.writer);
    await this.sink.completeLarge(this.index, { ...this.item, handle }, sha256);
  }

  async skip(code: string, message: string): Promise<void> {
    if (this.writer !== undefined) {
      await this.writer.abandon(true);
      this.sink.untrack(this.writer);
    }
    this.sink.skipped(this.index, code, message);
  }
}
