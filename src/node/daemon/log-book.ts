/**
 * The node's recent log: the last few hundred entries in memory, for the
 * web UI's log view and `walkie status`. Each entry also goes to listeners
 * as it happens (the UI's event stream, the terminal of `walkie up`).
 */
import { EventEmitter } from "node:events";
import { WalkieError } from "../../errors.js";

export type LogLevel = "info" | "warn" | "error";

export interface LogEntry {
  /** Increases by one per entry since the start. */
  seq: number;
  /** Milliseconds since the epoch. */
  t: number;
  level: LogLevel;
  message: string;
  /** The error code, for warnings and errors. */
  code?: string;
  /** The peer concerned, if any. */
  peerId?: string;
}

export class LogBook extends EventEmitter<{ entry: [entry: LogEntry] }> {
  private readonly entries: LogEntry[] = [];
  private seq = 0;
  /** Counts by error code, for /metrics. */
  readonly errorCounts = new Map<string, number>();

  constructor(private readonly capacity = 500) {
    super();
  }

  info(message: string, fields: { peerId?: string } = {}): LogEntry {
    return this.add({ level: "info", message, ...fields });
  }

  /** A warning or error from an error value: its code and message. */
  problem(
    level: "warn" | "error",
    err: unknown,
    fields: { peerId?: string; context?: string } = {},
  ) {
    const code = err instanceof WalkieError ? err.code : "ERR_INTERNAL";
    const text = err instanceof Error ? err.message : String(err);
    const message = fields.context ? `${fields.context}: ${text}` : text;
    this.errorCounts.set(code, (this.errorCounts.get(code) ?? 0) + 1);
    return this.add({ level, message, code, peerId: fields.peerId });
  }

  /** Entries after `afterSeq`, oldest first. */
  list(afterSeq = 0): LogEntry[] {
    return this.entries.filter((entry) => entry.seq > afterSeq);
  }

  private add(fields: Omit<LogEntry, "seq" | "t">): LogEntry {
    const entry: LogEntry = { seq: ++this.seq, t: Date.now(), ...fields };
    if (entry.peerId === undefined) delete entry.peerId;
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.emit("entry", entry);
    return entry;
  }
}
