/**
 * A serial port (a USB-serial adapter, a UART, a pty) as a byte-stream
 * Duplex, for links over a cable. A serial line has no end-of-stream, so
 * ending our side (which the link does only once both sides have said
 * goodbye) also ends the readable side, and then the port is closed.
 */
import { Duplex } from "node:stream";
import { LinkError } from "../errors.js";

export interface SerialOptions {
  /** The device: `/dev/ttyUSB0`, `/dev/pts/3`, `COM3`. */
  path: string;
  /** Bits per second. @default 115200 */
  baudRate?: number;
}

/** The subset of serialport's SerialPort this uses. */
interface PortLike {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  write(chunk: Buffer, callback: (err?: Error | null) => void): boolean;
  drain(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  pause(): unknown;
  resume(): unknown;
  readonly isOpen: boolean;
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
  return new SerialDuplex(port, options.path);
}

class SerialDuplex extends Duplex {
  constructor(
    private readonly port: PortLike,
    private readonly path: string,
  ) {
    super({ allowHalfOpen: true });
    port.on("data", (chunk) => {
      if (!this.push(chunk)) port.pause();
    });
    port.on("error", (err) =>
      this.destroy(new LinkError("ERR_SERIAL_IO", `${this.path}: ${err.message}`, { cause: err })),
    );
    port.on("close", () => {
      // Closed under us (device unplugged): the stream ends here.
      if (!this.destroyed) this.push(null);
    });
  }

  override _read(): void {
    this.port.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    this.port.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    // Wait until every byte has left the UART, then end both directions.
    this.port.drain((err) => {
      this.push(null);
      callback(err);
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.port.isOpen) {
      callback(err);
      return;
    }
    this.port.close(() => callback(err));
  }
}
