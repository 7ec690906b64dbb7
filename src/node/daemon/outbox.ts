/**
 * Files a face hands over to send (the web UI's drag and drop): each upload
 * streams to a staging folder under `<home>/outbox/<id>/` (nothing is held
 * in memory), at most the size announced for it; once every file is there,
 * the folder's top-level entries are offered to the peer. The staging folder
 * stays while the send can still resume, across a restart too (the send
 * queue names it), and goes once the send is over. An upload that was not
 * complete when the node stopped is dropped: the browser that sent it is
 * gone, and only it has the rest.
 */
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ConfigError, WalkieError } from "../../errors.js";
import { checkRelativePath, MAX_ENTRIES } from "../../services/files/index.js";
import type { TransferDesk } from "./transfer-desk.js";
import { TransferRecord, type TransferView } from "./transfer-record.js";

export interface UploadFile {
  /** Relative POSIX path, e.g. `photos/cat.jpg`. */
  path: string;
  size: number;
}

interface Upload {
  record: TransferRecord;
  dir: string;
  files: UploadFile[];
  received: number[];
  done: boolean[];
}

/** Largest single file an upload may announce (1 TB). */
const MAX_FILE_SIZE = 1e12;

export class Outbox {
  private readonly uploads = new Map<string, Upload>();
  readonly root: string;

  constructor(
    home: string,
    private readonly desk: TransferDesk,
  ) {
    this.root = join(home, "outbox");
  }

  /** Removes what earlier runs left, except the staging folders in `keep` (sends still queued). */
  async clear(keep: ReadonlySet<string> = new Set()): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // no outbox yet
      throw err;
    }
    await Promise.all(
      names
        .filter((name) => !keep.has(join(this.root, name)))
        .map((name) => rm(join(this.root, name), { recursive: true, force: true })),
    );
  }

  /** Starts an upload of `files` for the peer. @throws ConfigError ERR_BAD_UPLOAD, ERR_UNSAFE_PATH */
  async create(peerId: string, peerName: string, files: UploadFile[]): Promise<TransferView> {
    if (!Array.isArray(files) || files.length === 0 || files.length > MAX_ENTRIES) {
      throw new ConfigError("ERR_BAD_UPLOAD", `an upload has 1 to ${MAX_ENTRIES} files`);
    }
    const seen = new Set<string>();
    for (const file of files) {
      if (typeof file?.path !== "string" || !Number.isSafeInteger(file.size)) {
        throw new ConfigError("ERR_BAD_UPLOAD", "each file needs a path and a size");
      }
      if (file.size < 0 || file.size > MAX_FILE_SIZE) {
        throw new ConfigError("ERR_BAD_UPLOAD", `${file.path}: size out of range`);
      }
      try {
        checkRelativePath(file.path);
      } catch (err: unknown) {
        const code = err instanceof WalkieError ? err.code : "ERR_UNSAFE_PATH";
        throw new ConfigError(code, `${JSON.stringify(file.path)} is not a safe relative path`, {
          cause: err,
        });
      }
      if (seen.has(file.path)) throw new ConfigError("ERR_BAD_UPLOAD", `${file.path} twice`);
      seen.add(file.path);
    }
    const names = [...new Set(files.map((file) => file.path.split("/")[0]!))];
    const record = new TransferRecord({ direction: "out", peerId, peerName, names });
    record.view.state = "uploading";
    record.view.files = files.length;
    record.view.totalBytes = files.reduce((sum, file) => sum + file.size, 0);
    const dir = join(this.root, record.view.id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.uploads.set(record.view.id, {
      record,
      dir,
      files,
      received: files.map(() => 0),
      done: files.map(() => false),
    });
    this.desk.track(record);
    return { ...record.view };
  }

  /** Streams file `index` of an upload to disk. @throws ConfigError ERR_BAD_UPLOAD, ERR_FILE_SIZE */
  async receive(id: string, index: number, body: Readable): Promise<void> {
    const upload = this.get(id);
    const file = upload.files[index];
    if (file === undefined || upload.done[index]) {
      throw new ConfigError("ERR_BAD_UPLOAD", `no file ${index} waits in upload ${id}`);
    }
    const target = join(upload.dir, ...file.path.split("/"));
    await mkdir(dirname(target), { recursive: true });
    upload.received[index] = 0;
    const count = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        upload.received[index]! += chunk.length;
        if (upload.received[index]! > file.size) {
          callback(new ConfigError("ERR_UPLOAD_SIZE", `${file.path} is larger than announced`));
          return;
        }
        upload.record.view.doneBytes = upload.received.reduce((sum, n) => sum + n, 0);
        callback(null, chunk);
      },
    });
    await pipeline(body, count, createWriteStream(target));
    if (upload.received[index] !== file.size) {
      throw new ConfigError("ERR_UPLOAD_SIZE", `${file.path} is smaller than announced`);
    }
    upload.done[index] = true;
  }

  /** Every file is there: offer them to the peer. */
  async commit(id: string): Promise<TransferView> {
    const upload = this.get(id);
    if (!upload.done.every(Boolean)) {
      throw new ConfigError("ERR_BAD_UPLOAD", "some files of the upload have not arrived");
    }
    this.uploads.delete(id);
    const paths = upload.record.view.names.map((name) => join(upload.dir, name));
    try {
      await this.desk.sendPrepared(upload.record, { paths, attempts: 0, staging: upload.dir });
    } catch (err: unknown) {
      await rm(upload.dir, { recursive: true, force: true });
      throw err;
    }
    return { ...upload.record.view };
  }

  /** Drops an upload that has not been committed. */
  async cancel(id: string): Promise<boolean> {
    const upload = this.uploads.get(id);
    if (upload === undefined) return false;
    this.uploads.delete(id);
    await rm(upload.dir, { recursive: true, force: true });
    return true;
  }

  private get(id: string): Upload {
    const upload = this.uploads.get(id);
    if (upload === undefined) throw new ConfigError("ERR_BAD_UPLOAD", `no upload ${id}`);
    return upload;
  }
}
