/**
 * The record-stall rule (PROTOCOL.md, "Record stall"): while a record is
 * half received and no byte arrives for `stallMs`, the line has stalled or
 * a corrupted length byte promised bytes that never come. Used only over
 * transports that may corrupt bytes (serial lines).
 */
export interface StallSource {
  /** Bytes of a record begun but not complete. */
  partialBytes(): number;
  /** Every byte received so far. */
  bytesIn(): number;
}

export class RecordStallWatch {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stallMs: number,
    private readonly source: StallSource,
    private readonly onStall: () => void,
  ) {}

  /** After each received chunk: arms, pushes back or clears the timer. */
  observe(): void {
    if (this.source.partialBytes() === 0) {
      this.stop();
      return;
    }
    if (this.timer !== undefined) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      // Bytes may be waiting in the kernel while this process was busy:
      // let the poll phase read them before calling the line stalled.
      const before = this.source.bytesIn();
      setImmediate(() => {
        if (this.source.partialBytes() > 0 && this.source.bytesIn() === before) this.onStall();
      });
    }, this.stallMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
