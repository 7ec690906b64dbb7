/**
 * HandshakeState (Noise spec 5.3) as a pure state machine: `writeMessage(payload) -> bytes`,
 * `readMessage(bytes) -> payload`, then `split()` once `complete`. It never touches I/O.
 */
import { HandshakeError } from "../../errors.js";
import type { CipherState } from "./cipher-state.js";
import {
  type DhToken,
  dhKeys,
  type HandshakePattern,
  messageOverhead,
  parseProtocolName,
  sideRequirements,
  type Token,
} from "./patterns.js";
import { DH_LEN, dh, generateKeyPair, type KeyPair, TAG_LEN } from "./primitives.js";
import { SymmetricState } from "./symmetric-state.js";

/** The largest Noise message, handshake or transport (spec 3). */
export const MAX_MESSAGE_LEN = 65535;
/** Length of a PSK (spec 9.2). */
export const PSK_LEN = 32;

const EMPTY = Buffer.alloc(0);

export interface HandshakeOptions {
  /** Full protocol name, e.g. `Noise_XX_25519_AESGCM_SHA256` or `Noise_NNpsk0_...`. */
  protocolName: string;
  /** True on the side that sends the first message. */
  initiator: boolean;
  /** Bytes both sides must agree on; mixed into the handshake hash. @default empty */
  prologue?: Buffer;
  /** This side's static key pair, when the pattern uses one. Not zeroed here. @default none */
  staticKeyPair?: KeyPair;
  /** The peer's static public key, when the pattern knows it in advance. @default none */
  remoteStaticKey?: Buffer;
  /** One 32-byte PSK per "psk" token, in order. Not zeroed here. @default [] */
  psks?: Buffer[];
  /** A fixed ephemeral key pair, for test vectors only; it is copied. @default a fresh one */
  ephemeralKeyPair?: KeyPair;
}

type Phase = "handshake" | "complete" | "split" | "failed" | "destroyed";

/** One side of a Noise handshake. Bad input from the peer throws HandshakeError `ERR_HANDSHAKE`. */
export class HandshakeState {
  readonly isInitiator: boolean;
  readonly pattern: HandshakePattern;
  private readonly symmetric: SymmetricState;
  private readonly s: KeyPair | null;
  private e: KeyPair | null = null;
  private rs: Buffer | null;
  private re: Buffer | null = null;
  private readonly psks: readonly Buffer[];
  private pskIndex = 0;
  private messageIndex = 0;
  /** After this message our ephemeral secret is no longer needed and is zeroed. */
  private readonly lastEphemeralUse: number;
  private phase: Phase = "handshake";
  private finalHash: Buffer | null = null;

  /** InitializeHandshake (spec 5.3). Options that cannot work are a bug: TypeError. */
  constructor(opts: HandshakeOptions) {
    const protocol = parseProtocolName(opts.protocolName);
    if (!protocol) throw new TypeError(`unsupported Noise protocol: ${opts.protocolName}`);
    const { pattern, cipher, hash } = protocol;
    this.isInitiator = opts.initiator;
    this.pattern = pattern;
    this.s = opts.staticKeyPair ?? null;
    this.rs = opts.remoteStaticKey ?? null;
    this.psks = opts.psks ?? [];
    const needs = sideRequirements(pattern, this.isInitiator);
    if (needs.localStatic && this.s?.publicKey.length !== DH_LEN) {
      throw new TypeError(`${pattern.name} needs this side's static key pair`);
    }
    if (needs.remoteStatic && this.rs?.length !== DH_LEN) {
      throw new TypeError(`${pattern.name} needs the peer's static public key`);
    }
    if (this.psks.length !== pattern.pskCount || this.psks.some((k) => k.length !== PSK_LEN)) {
      throw new TypeError(`${pattern.name} needs ${pattern.pskCount} PSKs of ${PSK_LEN} bytes`);
    }
    this.lastEphemeralUse = needs.lastEphemeralUse;
    if (opts.ephemeralKeyPair) {
      // A copy, so that zeroing it after use leaves the caller's test data alone.
      const { publicKey, secretKey } = opts.ephemeralKeyPair;
      this.e = { publicKey: Buffer.from(publicKey), secretKey: Buffer.from(secretKey) };
    }
    this.symmetric = new SymmetricState(opts.protocolName, cipher, hash);
    this.symmetric.mixHash(opts.prologue ?? EMPTY);
    // Pre-messages: the initiator's static key first, then the responder's (spec 7.1).
    const ourStatic = this.s?.publicKey ?? EMPTY;
    const theirStatic = this.rs ?? EMPTY;
    if (pattern.initiatorPreMessage.length > 0) {
      this.symmetric.mixHash(this.isInitiator ? ourStatic : theirStatic);
    }
    if (pattern.responderPreMessage.length > 0) {
      this.symmetric.mixHash(this.isInitiator ? theirStatic : ourStatic);
    }
  }

  /** True once the last handshake message was written or read. */
  get complete(): boolean {
    return this.phase === "complete" || this.phase === "split";
  }

  /** The peer's static public key, once known (in advance or from a handshake message). */
  get remoteStaticKey(): Buffer | null {
    return this.rs;
  }

  /** The handshake hash `h` (a copy): final once `complete`, for channel binding (spec 11.2). */
  get handshakeHash(): Buffer {
    return Buffer.from(this.finalHash ?? this.symmetric.handshakeHash);
  }

  /**
   * Builds our next handshake message around `payload`.
   * @throws HandshakeError `ERR_HANDSHAKE_PAYLOAD` past 65,535 bytes (the state is unchanged).
   */
  writeMessage(payload: Buffer = EMPTY): Buffer {
    const tokens = this.nextTokens(true);
    const length = this.overhead(tokens) + payload.length;
    if (length > MAX_MESSAGE_LEN) {
      throw new HandshakeError("ERR_HANDSHAKE_PAYLOAD", `handshake message of ${length} bytes`);
    }
    const out: Buffer[] = [];
    try {
      for (const token of tokens) {
        if (token === "e") {
          this.e ??= generateKeyPair();
          out.push(this.e.publicKey);
          this.mixEphemeral(this.e.publicKey);
        } else if (token === "s") {
          out.push(this.symmetric.encryptAndHash(this.s!.publicKey));
        } else {
          this.mixToken(token);
        }
      }
      out.push(this.symmetric.encryptAndHash(payload));
    } catch (err: unknown) {
      this.fail();
      throw new HandshakeError("ERR_HANDSHAKE", "could not write handshake message", {
        cause: err,
      });
    }
    this.advance();
    return Buffer.concat(out, length);
  }

  /** Reads the peer's next message; the payload is a view of `message` while no key is set. */
  readMessage(message: Buffer): Buffer {
    const tokens = this.nextTokens(false);
    const min = this.overhead(tokens);
    if (message.length < min || message.length > MAX_MESSAGE_LEN) {
      this.fail();
      const expected = `${min} to ${MAX_MESSAGE_LEN}`;
      throw new HandshakeError(
        "ERR_HANDSHAKE",
        `handshake message of ${message.length} bytes, expected ${expected}`,
      );
    }
    let payload: Buffer;
    try {
      let offset = 0;
      for (const token of tokens) {
        if (token === "e") {
          this.re = Buffer.from(message.subarray(offset, offset + DH_LEN));
          offset += DH_LEN;
          this.mixEphemeral(this.re);
        } else if (token === "s") {
          const keyed = this.symmetric.cipherState.hasKey();
          const end = offset + DH_LEN + (keyed ? TAG_LEN : 0);
          const rs = this.symmetric.decryptAndHash(message.subarray(offset, end));
          this.rs = keyed ? rs : Buffer.from(rs);
          offset = end;
        } else {
          this.mixToken(token);
        }
      }
      payload = this.symmetric.decryptAndHash(message.subarray(offset));
    } catch (err: unknown) {
      this.fail();
      throw new HandshakeError("ERR_HANDSHAKE", "handshake message did not verify", { cause: err });
    }
    this.advance();
    return payload;
  }

  /** Split(): the transport cipher states, oriented for this side. Zeroes the handshake state. */
  split(): { send: CipherState; receive: CipherState } {
    if (this.phase !== "complete") {
      const why = this.phase === "split" ? "split() was already called" : "handshake not complete";
      throw new HandshakeError("ERR_HANDSHAKE", why);
    }
    const [initiatorToResponder, responderToInitiator] = this.symmetric.split();
    this.zeroSecrets();
    this.phase = "split";
    return this.isInitiator
      ? { send: initiatorToResponder, receive: responderToInitiator }
      : { send: responderToInitiator, receive: initiatorToResponder };
  }

  /** Abandons the handshake and zeroes its secrets (not the caller's static key or PSKs). */
  destroy(): void {
    this.zeroSecrets();
    if (this.phase !== "split") this.phase = "destroyed";
  }

  /** The tokens of the next message, if it is ours to write (or read) now. */
  private nextTokens(writing: boolean): readonly Token[] {
    if (this.phase !== "handshake") {
      throw new HandshakeError(
        "ERR_HANDSHAKE",
        `handshake message after the handshake ${this.phase}`,
      );
    }
    if ((this.messageIndex % 2 === (this.isInitiator ? 0 : 1)) !== writing) {
      throw new HandshakeError("ERR_HANDSHAKE", `not our turn to ${writing ? "write" : "read"}`);
    }
    return this.pattern.messages[this.messageIndex]!;
  }

  private overhead(tokens: readonly Token[]): number {
    return messageOverhead(tokens, this.symmetric.cipherState.hasKey(), this.pattern.pskCount > 0);
  }

  /** "e": MixHash, and in a PSK handshake MixKey as well (spec 9.2). */
  private mixEphemeral(publicKey: Buffer): void {
    this.symmetric.mixHash(publicKey);
    if (this.pattern.pskCount > 0) this.symmetric.mixKey(publicKey);
  }

  private mixToken(token: DhToken | "psk"): void {
    if (token === "psk") {
      this.symmetric.mixKeyAndHash(this.psks[this.pskIndex++]!);
      return;
    }
    const keys = dhKeys(token, this.isInitiator);
    const local = keys.local === "e" ? this.e : this.s;
    const remote = keys.remote === "e" ? this.re : this.rs;
    const shared = dh(local!.secretKey, remote!);
    try {
      this.symmetric.mixKey(shared);
    } finally {
      shared.fill(0);
    }
  }

  private advance(): void {
    if (this.messageIndex === this.lastEphemeralUse) this.e?.secretKey.fill(0);
    this.messageIndex++;
    if (this.messageIndex === this.pattern.messages.length) {
      this.finalHash = Buffer.from(this.symmetric.handshakeHash);
      this.phase = "complete";
    }
  }

  private fail(): void {
    this.zeroSecrets();
    this.phase = "failed";
  }

  private zeroSecrets(): void {
    this.e?.secretKey.fill(0);
    this.symmetric.destroy();
  }
}
