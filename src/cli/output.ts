/**
 * How the CLI talks to people and scripts: one clear line per error on
 * stderr (never a stack trace for an expected failure), and NDJSON status
 * events on stderr with --json so stdout stays free for data.
 */
import { WalkieError } from "../index.js";

/** Exit codes: 1 for a failure, 2 for a usage error. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface Reporter {
  /** A status event: NDJSON with --json, else a human line (if `text` is given). */
  event(name: string, fields: Record<string, unknown>, text?: string): void;
  /** A warning that does not stop the command. */
  warn(err: unknown): void;
}

export function createReporter(
  json: boolean,
  stream: NodeJS.WritableStream = process.stderr,
): Reporter {
  return {
    event(name, fields, text) {
      if (json) stream.write(`${JSON.stringify({ event: name, ...fields })}\n`);
      else if (text !== undefined) stream.write(`${text}\n`);
    },
    warn(err) {
      if (json) stream.write(`${JSON.stringify({ event: "warning", ...describeError(err) })}\n`);
      else stream.write(`walkie: warning: ${describeError(err).message}\n`);
    },
  };
}

export function describeError(err: unknown): { code: string; message: string } {
  // "stream closed because the link closed" says less than why the link closed.
  if (
    err instanceof WalkieError &&
    err.code === "ERR_LINK_CLOSED" &&
    err.cause instanceof WalkieError
  ) {
    return describeError(err.cause);
  }
  if (err instanceof WalkieError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: "ERR_INTERNAL", message: err.message };
  return { code: "ERR_INTERNAL", message: String(err) };
}

let signalExitCode: number | undefined;

/** A signal (Ctrl-C) is ending the process: its exit code (128 + signal) wins over a failure's. */
export function exitedBySignal(code: number): void {
  signalExitCode = code;
  process.exitCode = code;
}

/** Prints the failure in one line (or an NDJSON `error` event) and sets the exit code. */
export function fail(err: unknown, json: boolean): void {
  const { code, message } = describeError(err);
  if (json) process.stderr.write(`${JSON.stringify({ event: "error", code, message })}\n`);
  else process.stderr.write(`walkie: ${message} (${code})\n`);
  if (!(err instanceof WalkieError) && process.env.WALKIE_DEBUG) console.error(err);
  process.exitCode = signalExitCode ?? (code === "ERR_USAGE" ? EXIT_USAGE : EXIT_FAILURE);
}
