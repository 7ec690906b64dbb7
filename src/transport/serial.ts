/**
 * A serial port (a USB-serial adapter, a UART, a pty) as a byte-stream
 * Duplex, for links over a cable. `serialport` opens and configures the
 * device (8N1, no flow control, the baud rate); on Unix the bytes then go
 * through the fd directly (see SerialDuplex). Either end of a cable may
 * start first, and opening a port drops what waited in its input buffer, so
 * both ends first agree that the other is there (`synchronize`, documented
 * in docs/PROTOCOL.md, "Serial line sync") before the link starts. A serial
 * line has no end-of-stream, so ending our side (which the link does only
 * once both sides have said goodbye) also ends the readable side, and then
 * the port is closed.
 */
import { write as fsWrite } from "node:fs";
import { Duplex } from "node:stream";
import { ReadStream as TtyReadStream } from "node:tty";
import { LinkError } from "../errors.js";

export interface SerialOptions {
  /** The device: `/dev/ttyUSB0`, `/dev/pts/3`, `COM3`. */
  path: string;
  /** Bits per second. @default 115200 */
  baudRate?: number;
  /** Run the line sync with the other end before resolving. @default true */
  sync?: boolean;
  /** Give up waiting for the other end after this long (0: wait forever). @default 0 */
  syncTimeoutMs?: number;
}

/** Line sync messages: "WKSY" then 1 (HELLO) or 2 (READY). */
const SYNC_MAGIC = Buffer.from("WKSY", "latin1");
const SYNC_HELLO = Buffer.from([...SYNC_MAGIC, 1]);
const SYNC_READY = Buffer.from([...SYNC_MAGIC, 2]);
/** How often HELLO is sent until the other end answers. */
const SYNC_INTERVAL_MS = 200;

/** The subset of serialport's SerialPort this uses. */
interface PortLike {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  write(chunk: Buffer, callback: (err?: Error | null) => void): boolean;
  drain(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  readonly isOpen: boolean;
  /** The open binding; on Unix it holds the (non-blocking) fd. */
  readonly port?: { fd?: number | null };
}

/**
 * Opens a serial port (8N1, no flow control) and resolves once it is open.
 * @throws LinkError ERR_SERIAL_OPEN (no such device, busy, no permission)
 */
export async function openSerial(options: SerialOptions): Promise<Duplex> {
  const baudRate = options.baudRate ?? 115_200;
  if (!Number.isInteger(baudRate) || baudRate <= 0) {
    throw new LinkError("ERR_SERIAL_OPEN", `baud rate ${baudRate} is not a positive integer`);
  }
  // Loaded on use: it is a native module, and most commands never need it.
  const { SerialPort } = await import("serialport");
  const port = await new Promise<PortLike>((resolve, reject) => {
    const opened: PortLike = new SerialPort({ path: options.path, baudRate }, (err) => {
      if (err) {
        reject(
          new LinkError("ERR_SERIAL_OPEN", `cannot open ${options.path}: ${err.message}`, {
            cause: err,
          }),
        );
      } else resolve(opened);
    });
  });
  const duplex = new SerialDuplex(port, options.path);
  if (options.sync !== false) {
    try {
      await duplex.synchronize(options.syncTimeoutMs ?? 0);
    } catch (err: unknown) {
      duplex.destroy();
      throw err;
    }
  }
  return duplex;
}

/**
 * On Unix, reads go through a libuv tty handle on the port's fd and writes
 * through `fs.write`, retrying on EAGAIN after a short sleep (the line is
 * full then). serialport's own reads and writes wait on one poller, and with
 * traffic both ways a wake-up gets lost: on ptys a transfer stalled until
 * the peer's next keepalive. Elsewhere (Windows) serialport does the I/O.
 */
class SerialDuplex extends Duplex {
  /** A serial line may corrupt bytes: a link over it ends a record that stalls halfway. */
  readonly corruptible = true;
  private readonly fd: number | undefined;
  private readonly reader: TtyReadStream | undefined;
  /** While syncing, incoming bytes go here instead of to the reader. */
  private onSyncData: ((chunk: Buffer) => void) | undefined;
  /**
   * Writes waiting for the one in progress. fs.write runs on libuv's thread
   * pool, so two writes in flight at once may reach the line in either
   * order: a sync message overtaken by the link's first bytes lost them.
   */
  private readonly writeQueue: Array<{ chunk: Buffer; done: (err?: Error | null) => void }> = [];
  private writing = false;

  constructor(
    private readonly port: PortLike,
    private readonly path: string,
  ) {
    super({ allowHalfOpen: true });
    const fd = port.port?.fd;
    const ioError = (err: Error) =>
      this.destroy(new LinkError("ERR_SERIAL_IO", `${this.path}: ${err.message}`, { cause: err }));
    if (typeof fd === "number" && process.platform !== "win32") {
      this.fd = fd;
      this.reader = new TtyReadStream(fd);
      // The link reads as fast as data comes and its mux bounds memory.
      this.reader.on("data", (chunk: Buffer) => this.receive(chunk));
      this.reader.on("error", ioError);
      this.reader.on("end", () => this.push(null));
    } else {
      port.on("data", (chunk) => this.receive(chunk));
    }
    port.on("error", ioError);
    port.on("close", () => {
      // Closed under us (device unplugged): the stream ends here.
      if (!this.destroyed) this.push(null);
    });
  }

  /**
   * The line sync: sends HELLO every 200 ms until it hears the other end
   * (HELLO or READY), then READY once; done when it has sent READY and
   * received the other end's READY. Bytes before that are skipped (line
   * noise, a device's boot messages); bytes after it are the link's.
   * @throws LinkError ERR_SERIAL_SYNC_TIMEOUT
   */
  synchronize(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let pending = Buffer.alloc(0);
      let sentReady = false;
      const send = (message: Buffer) => this.rawWrite(message);
      const finish = (err?: Error) => {
        clearInterval(hello);
        clearTimeout(deadline);
        this.onSyncData = undefined;
        if (err) reject(err);
        else resolve();
      };
      const hello = setInterval(() => {
        if (!sentReady) send(SYNC_HELLO);
      }, SYNC_INTERVAL_MS);
      const deadline =
        timeoutMs > 0
          ? setTimeout(
              () =>
                finish(
                  new LinkError(
                    "ERR_SERIAL_SYNC_TIMEOUT",
                    `nothing answered on ${this.path} within ${timeoutMs} ms (is the other end running?)`,
                  ),
                ),
              timeoutMs,
            )
          : undefined;
      this.onSyncData = (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          const at = pending.indexOf(SYNC_MAGIC);
          if (at < 0 || at + SYNC_HELLO.length > pending.length) {
            // Keep what may be the start of a message.
            const keep = at >= 0 ? at : Math.max(0, pending.length - (SYNC_MAGIC.length - 1));
            pending = pending.subarray(keep);
            return;
          }
          const type = pending[at + SYNC_MAGIC.length];
          pending = pending.subarray(at + SYNC_HELLO.length);
          if (type !== 1 && type !== 2) continue;
          if (!sentReady) {
            sentReady = true;
            send(SYNC_READY);
          }
          if (type === 2) {
            finish();
            if (pending.length > 0) this.push(pending);
            return;
          }
        }
      };
      this.once("close", () =>
        finish(new LinkError("ERR_SERIAL_IO", `${this.path} closed while syncing`)),
      );
      send(SYNC_HELLO);
    });
  }

  private receive(chunk: Buffer): void {
    if (this.onSyncData) this.onSyncData(chunk);
    else this.push(chunk);
  }

  /** Writes outside the Duplex's queue (for the sync, before the link starts). */
  private rawWrite(message: Buffer): void {
    this.writeInOrder(message, (err) => {
      if (err) this.destroy(err);
    });
  }

  override _read(): void {
    // Data is pushed as it comes (see the constructor).
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    this.writeInOrder(chunk, callback);
  }

  /** Writes `chunk` after every write asked for before it (sync messages and link data alike). */
  private writeInOrder(chunk: Buffer, done: (err?: Error | null) => void): void {
    this.writeQueue.push({ chunk, done });
    if (!this.writing) this.writeNext();
  }

  private writeNext(): void {
    const next = this.writeQueue.shift();
    this.writing = next !== undefined;
    if (next === undefined) return;
    const finished = (err?: Error | null) => {
      next.done(err);
      if (err) {
        // The port is failing: what waited will not be written either.
        for (const waiting of this.writeQueue.splice(0)) waiting.done(err);
      }
      this.writeNext();
    };
    if (this.fd === undefined) this.port.write(next.chunk, finished);
    else this.writeFd(this.fd, next.chunk, 0, 0, finished);
  }

  private writeFd(
    fd: number,
    chunk: Buffer,
    offset: number,
    retries: number,
    callback: (err?: Error | null) => void,
  ): void {
    fsWrite(fd, chunk, offset, chunk.length - offset, null, (err, written) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code === "EAGAIN" || code === "EWOULDBLOCK" || code === "EINTR") && !this.destroyed) {
          // The line is full: look again at once, then every millisecond (a
          // pty drains in microseconds; a slow UART costs a few wake-ups).
          const again = () => this.writeFd(fd, chunk, offset, retries + 1, callback);
          if (retries < 2) setImmediate(again);
          else setTimeout(again, 1);
          return;
        }
        callback(new LinkError("ERR_SERIAL_IO", `${this.path}: ${err.message}`, { cause: err }));
        return;
      }
      if (offset + written < chunk.length) this.writeFd(fd, chunk, offset + written, 0, callback);
      else callback();
    });
  }

  override _final(callback: (err?: Error | null) => void): void {
    // Wait until every byte has left the UART (tcdrain), then end both directions.
    this.port.drain((err) => {
      this.push(null);
      callback(err);
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // The tty handle closes the fd; serialport's close then only forgets it.
    this.reader?.destroy();
    if (!this.port.isOpen) {
      callback(err);
      return;
    }
    this.port.close(() => callback(err));
  }
}
