/**
 * The PAKE step of a one-time-code link (PROTOCOL.md "Pairing (mode 1)"):
 * SPAKE2 over the cleartext start of the connection, after the preamble and
 * before Noise XXpsk3, whose pre-shared key it yields.
 *
 * The responder (the waiting side) speaks first with pB, which reveals
 * nothing, and sends its confirmation cB only after it has checked the
 * initiator's cA. So a guess at the code is only ever checked by the
 * responder, once, and a wrong one burns the code (through its CodeSlot): an
 * attacker gets one online guess and nothing to guess offline. The other way
 * round, a fake responder learns one guess per connection, as in any PAKE.
 *
 * This knows nothing of nameplates, discovery or peer stores.
 */
import { hkdfSync } from "node:crypto";
import type { Duplex } from "node:stream";
import {
  createSpake2,
  derivePasswordScalar,
  SPAKE2_CONFIRMATION_BYTES,
  SPAKE2_MESSAGE_BYTES,
  type Spake2,
} from "../crypto/spake2.js";
import { HandshakeError } from "../errors.js";
import type { MessageReader } from "./message-reader.js";

/** SPAKE2 identities: fixed per role (the static keys are not known yet; Noise binds them). */
const ID_A = new TextEncoder().encode("walkie/1 initiator");
const ID_B = new TextEncoder().encode("walkie/1 responder");
const PSK_INFO = "walkie/1 pairing psk";
const STATUS_OK = 0x00;
const STATUS_REFUSED = 0x01;
const TOKEN = /^[A-Za-z0-9._/-]{1,64}$/;
/** The initiator's one message: pA || cA. */
const INITIATOR_MESSAGE_BYTES = SPAKE2_MESSAGE_BYTES + SPAKE2_CONFIRMATION_BYTES;
/** The largest responder message: a status byte and a 65-byte point (a refusal is shorter). */
const MAX_RESPONDER_MESSAGE = 1 + SPAKE2_MESSAGE_BYTES;

/**
 * What a one-time code is for, sent in the preamble (byte 6) and bound into
 * the handshake: a `walkie pair` code cannot be used by `walkie receive`, nor
 * a `walkie send` code by `walkie pair`, so neither side ends up with what it
 * did not ask for (a stored peer, a file).
 */
export enum CodePurpose {
  /** Pairing: both sides store each other. */
  Pair = 0,
  /** A one-time exchange (files, a text): nothing is stored. */
  Exchange = 1,
}

/**
 * The responder's one-time code: its password scalar and its state. The
 * responder asks `refusal()` before each step and calls `settle()` exactly
 * once, synchronously after checking a confirmation, so two attempts can
 * never both be checked.
 */
export interface CodeSlot {
  /** The code's password scalar, from {@link pairingScalar}. */
  readonly w: Uint8Array;
  /** What the code is for; an attempt for something else is refused without burning it. */
  readonly purpose: CodePurpose;
  /** An error code to refuse a new attempt with (e.g. ERR_CODE_BURNED), or undefined to go on. */
  refusal(): string | undefined;
  /** `true`: the initiator proved the code (it is now used). `false`: a wrong code (burn it). */
  settle(correct: boolean): void;
}

/** States of {@link createCodeSlot}: open, then used (right code) or burned (wrong code). */
export type CodeSlotState = "open" | "used" | "burned";

/**
 * The usual CodeSlot: one attempt may be checked; after it the code is used
 * or burned and every later attempt is refused. `onSettle` hears the outcome.
 */
export function createCodeSlot(
  w: Uint8Array,
  onSettle: (correct: boolean) => void = () => {},
  purpose: CodePurpose = CodePurpose.Exchange,
): CodeSlot & { readonly state: CodeSlotState } {
  let state: CodeSlotState = "open";
  return {
    w,
    purpose,
    get state() {
      return state;
    },
    refusal: () => ({ open: undefined, used: "ERR_CODE_USED", burned: "ERR_CODE_BURNED" })[state],
    settle(correct) {
      if (state !== "open") throw new Error("a code slot settles once");
      state = correct ? "used" : "burned";
      onSettle(correct);
    },
  };
}

/** The reader and writer of the connection, shared with the Noise handshake that follows. */
export interface PakeIo {
  transport: Duplex;
  reader: MessageReader;
}

/** What the initiator has once it sent pA || cA. */
export interface PakeInitiation {
  /** The Noise PSK; Noise message 1 may be sent at once, it does not use the PSK. */
  psk: Buffer;
  /** Reads and checks cB (or the responder's refusal). Call it before reading Noise message 2. */
  confirm(): Promise<void>;
}

/** A derivation started early by {@link prederivePairingScalar}, taken by the next match. */
let early: { code: string; w: Promise<Uint8Array> } | undefined;

/**
 * The SPAKE2 password scalar of a one-time code: scrypt (about 90 ms) over
 * the normalised code, salted with the fixed identities.
 */
export function pairingScalar(normalizedCode: string): Promise<Uint8Array> {
  if (early?.code === normalizedCode) {
    const { w } = early;
    early = undefined;
    return w;
  }
  return derivePasswordScalar(normalizedCode, { idA: ID_A, idB: ID_B });
}

/**
 * Starts {@link pairingScalar} now, on libuv's thread pool, for the next
 * call with the same code to take (once); e.g. while a CLI loads.
 */
export function prederivePairingScalar(normalizedCode: string): void {
  const w = derivePasswordScalar(normalizedCode, { idA: ID_A, idB: ID_B });
  w.catch(() => {});
  early = { code: normalizedCode, w };
}

let warm = false;

/**
 * One throwaway SPAKE2 computation, so the curve code is compiled and the
 * base point's tables are built before a real attempt: about 30 ms in a
 * fresh process. Run it while waiting anyway (for scrypt, for the peer);
 * later calls do nothing.
 */
export function warmUpPake(): void {
  if (warm) return;
  warm = true;
  const w = new Uint8Array(32);
  w[31] = 1;
  const b = createSpake2({ role: "B", w });
  createSpake2({ role: "A", w }).finish(b.message());
}

/** Initiator: reads pB, sends pA || cA, returns the PSK and the check of cB. */
export async function initiatePake(
  io: PakeIo,
  w: Uint8Array | Promise<Uint8Array>,
): Promise<PakeInitiation> {
  const pB = await readReply(io.reader, SPAKE2_MESSAGE_BYTES, "pB");
  const spake = createSpake2({ role: "A", w: await w, idA: ID_A, idB: ID_B });
  const { sharedKey, confirmation } = spake.finish(pB);
  io.transport.write(framed(Buffer.concat([spake.message(), confirmation])));
  const psk = derivePsk(sharedKey);
  return { psk, confirm: () => checkResponderConfirmation(io.reader, spake) };
}

async function checkResponderConfirmation(reader: MessageReader, spake: Spake2): Promise<void> {
  let cB: Buffer;
  try {
    cB = await readReply(reader, SPAKE2_CONFIRMATION_BYTES, "cB");
  } catch (err: unknown) {
    if (err instanceof HandshakeError && err.code === "ERR_HANDSHAKE_ABORTED") {
      throw new HandshakeError(
        "ERR_BAD_CODE",
        "the other side closed the connection after checking our code (wrong code?)",
        { cause: err },
      );
    }
    throw err;
  }
  try {
    spake.verify(cB);
  } catch (err: unknown) {
    throw new HandshakeError(
      "ERR_BAD_CODE",
      "the other side could not prove it knows the code: it is not the device that made it",
      { cause: err },
    );
  }
}

/**
 * Responder: sends pB, checks pA || cA against `slot`, sends cB, returns
 * the PSK. Without a slot (no code waiting here) it refuses with
 * ERR_NO_CODE; an initiator asking for another purpose gets ERR_CODE_PURPOSE
 * before any guess is checked (the code stays open). Every refusal is sent
 * to the initiator, then thrown here.
 */
export async function respondPake(
  io: PakeIo,
  slot: CodeSlot | undefined,
  purpose: CodePurpose = CodePurpose.Exchange,
): Promise<Buffer> {
  const early =
    slot === undefined
      ? "ERR_NO_CODE"
      : slot.purpose !== purpose
        ? "ERR_CODE_PURPOSE"
        : slot.refusal();
  if (early !== undefined || slot === undefined) return refuse(io, early ?? "ERR_NO_CODE");
  const spake = createSpake2({ role: "B", w: slot.w, idA: ID_A, idB: ID_B });
  io.transport.write(framed(Buffer.concat([Buffer.of(STATUS_OK), spake.message()])));
  const message = await io.reader.readMessage(INITIATOR_MESSAGE_BYTES);
  if (message.length !== INITIATOR_MESSAGE_BYTES) return refuse(io, "ERR_PAKE_MESSAGE");
  // From here to settle() nothing awaits, so no other attempt can be checked in between.
  const late = slot.refusal();
  if (late !== undefined) return refuse(io, late);
  let result: ReturnType<Spake2["finish"]>;
  try {
    result = spake.finish(message.subarray(0, SPAKE2_MESSAGE_BYTES));
  } catch (err: unknown) {
    return refuse(io, "ERR_PAKE_MESSAGE", err);
  }
  try {
    spake.verify(message.subarray(SPAKE2_MESSAGE_BYTES));
  } catch (err: unknown) {
    result.sharedKey.fill(0);
    slot.settle(false);
    return refuse(io, "ERR_BAD_CODE", err);
  }
  slot.settle(true);
  io.transport.write(framed(Buffer.concat([Buffer.of(STATUS_OK), result.confirmation])));
  return derivePsk(result.sharedKey);
}

/** psk = HKDF-SHA256(Ke, salt = empty, info = "walkie/1 pairing psk", 32 bytes). Wipes Ke. */
export function derivePsk(sharedKey: Uint8Array): Buffer {
  const psk = Buffer.from(hkdfSync("sha256", sharedKey, Buffer.alloc(0), PSK_INFO, 32));
  sharedKey.fill(0);
  return psk;
}

/** Reads a responder message: `00 || body` of exactly `size` bytes, or `01 || error code`. */
async function readReply(reader: MessageReader, size: number, what: string): Promise<Buffer> {
  let message: Buffer;
  try {
    message = await reader.readMessage(MAX_RESPONDER_MESSAGE);
  } catch (err: unknown) {
    if (what === "pB" && err instanceof HandshakeError && err.code === "ERR_HANDSHAKE_ABORTED") {
      throw new HandshakeError(
        "ERR_HANDSHAKE_ABORTED",
        "the other side closed the connection without answering: is it waiting for a code?",
        { cause: err },
      );
    }
    throw err;
  }
  if (message[0] === STATUS_REFUSED) {
    const code = message.subarray(1).toString("latin1");
    if (!TOKEN.test(code)) throw badMessage(`a refusal with a malformed error code`);
    throw refusedError(code);
  }
  if (message[0] !== STATUS_OK || message.length !== 1 + size) {
    throw badMessage(`expected ${what} (${1 + size} bytes), got ${message.length} bytes`);
  }
  return message.subarray(1);
}

function refuse(io: PakeIo, code: string, cause?: unknown): never {
  io.transport.end(framed(Buffer.concat([Buffer.of(STATUS_REFUSED), Buffer.from(code, "latin1")])));
  throw new HandshakeError(code, REFUSED_HERE[code] ?? `pairing attempt refused: ${code}`, {
    cause,
  });
}

/** Messages on the side that refuses. */
const REFUSED_HERE: Record<string, string> = {
  ERR_BAD_CODE: "someone tried a wrong code: the code is burned (make a new one)",
  ERR_CODE_BURNED: "a pairing attempt came after the code was burned",
  ERR_CODE_USED: "a pairing attempt came after the code was used",
  ERR_NO_CODE: "a peer asked to pair with a code, but no code is waiting here",
  ERR_CODE_PURPOSE:
    "a peer tried the code for the other kind of link (pairing vs. a transfer); the code still waits",
  ERR_PAKE_MESSAGE: "a pairing attempt sent a malformed SPAKE2 message",
};

/** Messages on the side that was refused. */
const REFUSED_THERE: Record<string, string> = {
  ERR_BAD_CODE: "wrong code: the other side rejected it (and burned it: ask for a new code)",
  ERR_CODE_BURNED: "that code is burned after a wrong attempt: ask the other side for a new code",
  ERR_CODE_USED: "that code was already used: ask the other side for a new code",
  ERR_NO_CODE: "the other side is not waiting for a pairing code",
  ERR_CODE_PURPOSE:
    "that code is for the other kind of link: a `walkie pair` code goes to `walkie pair CODE`, a `walkie send` code to `walkie receive CODE`",
  ERR_PAKE_MESSAGE: "the other side could not read our SPAKE2 message",
};

function refusedError(code: string): HandshakeError {
  const message = REFUSED_THERE[code];
  if (message !== undefined) return new HandshakeError(code, message);
  return new HandshakeError("ERR_PAIRING_REFUSED", `the other side refused to pair (${code})`);
}

function badMessage(detail: string): HandshakeError {
  return new HandshakeError("ERR_PAKE_MESSAGE", `bad pairing message: ${detail}`);
}

function framed(message: Buffer): Buffer {
  const length = Buffer.allocUnsafe(2);
  length.writeUInt16BE(message.length, 0);
  return Buffer.concat([length, message]);
}
