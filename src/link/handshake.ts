/**
 * Runs the Noise XX handshake over a transport (PROTOCOL.md §1-2): preamble,
 * three length-prefixed messages carrying CBOR hellos, then the peer's key
 * is checked by the caller's policy. Returns the traffic keys and whatever
 * bytes arrived after the handshake. In one-time-code mode the PAKE
 * (pake-exchange.ts) runs first and keys Noise XXpsk3.
 */
import type { Duplex } from "node:stream";
import { encode } from "cborg";
import { deviceIdFromPublicKey } from "../crypto/device-id.js";
import { HandshakeState, type KeyPair } from "../crypto/noise/index.js";
import { HandshakeError, WalkieError } from "../errors.js";
import { decodeCborStrict } from "../services/strict-cbor.js";
import { encodeGoAway } from "../wire/index.js";
import { MessageReader } from "./message-reader.js";
import {
  CodePurpose,
  type CodeSlot,
  initiatePake,
  type PakeInitiation,
  respondPake,
} from "./pake-exchange.js";
import { RecordSealer } from "./records.js";

/** 2: records and handshake in ChaChaPoly (1 was AESGCM). */
export const PROTOCOL_VERSION = 2;
const MAGIC = Buffer.from("WALK", "ascii");
const PROLOGUE_LABEL = Buffer.from("walkie/1", "ascii");
const MAX_HELLO_BYTES = 1024;
const MAX_HANDSHAKE_MESSAGE = 4096;

/** How the handshake is keyed: 0 = known peers (XX), 1 = one-time code (XXpsk3). */
export enum LinkMode {
  Known = 0,
  Code = 1,
}

const PROTOCOL_NAMES: Record<LinkMode, string> = {
  [LinkMode.Known]: "Noise_XX_25519_ChaChaPoly_SHA256",
  [LinkMode.Code]: "Noise_XXpsk3_25519_ChaChaPoly_SHA256",
};

/** What the handshake proved about the other side. */
export interface PeerInfo {
  /** Device ID derived from the peer's static key. */
  readonly id: string;
  readonly publicKey: Buffer;
  /** The name the peer gave itself (not authenticated beyond its key). */
  readonly name: string;
}

export interface HandshakeOptions {
  transport: Duplex;
  isInitiator: boolean;
  keyPair: KeyPair;
  name: string;
  /** Throws a WalkieError (e.g. ERR_PEER_NOT_ALLOWED) to refuse the peer. */
  verifyPeer: (peer: PeerInfo) => void | Promise<void>;
  /** Initiator: which mode to ask for. Responder: the modes it accepts. @default Known */
  mode?: LinkMode;
  /** Initiator in `LinkMode.Code`: the code's password scalar (a promise lets scrypt overlap). */
  codeScalar?: Uint8Array | Promise<Uint8Array>;
  /** Responder in `LinkMode.Code`: the waiting code. Without it, mode-1 peers get ERR_NO_CODE. */
  codeSlot?: CodeSlot;
  /** Initiator in `LinkMode.Code`: what the code is for. @default CodePurpose.Exchange */
  codePurpose?: CodePurpose;
  /** @default 10000 */
  timeoutMs?: number;
}

export interface HandshakeResult {
  peer: PeerInfo;
  sendKey: Buffer;
  receiveKey: Buffer;
  /** Noise handshake hash: unique to this session, same on both sides. */
  handshakeHash: Buffer;
  /** Bytes received after the last handshake message (start of records). */
  leftover: Buffer[];
}

/** Runs the handshake; on failure the transport is left for the caller to destroy. */
export async function runHandshake(options: HandshakeOptions): Promise<HandshakeResult> {
  const { transport, timeoutMs = 10_000 } = options;
  const reader = new MessageReader(transport);
  const timer = setTimeout(
    () =>
      reader.fail(
        new HandshakeError("ERR_HANDSHAKE_TIMEOUT", `handshake not finished in ${timeoutMs} ms`),
      ),
    timeoutMs,
  );
  try {
    return options.isInitiator ? await initiate(options, reader) : await respond(options, reader);
  } finally {
    clearTimeout(timer);
  }
}

/** Byte 6 is the code's purpose in mode 1 (0 in mode 0); byte 7 is reserved. */
function preamble(mode: LinkMode, purpose: CodePurpose): Buffer {
  return Buffer.from([...MAGIC, PROTOCOL_VERSION, mode, mode === LinkMode.Code ? purpose : 0, 0]);
}

function newState(
  options: HandshakeOptions,
  mode: LinkMode,
  pre: Buffer,
  psk: Buffer | undefined,
): HandshakeState {
  return new HandshakeState({
    protocolName: PROTOCOL_NAMES[mode],
    initiator: options.isInitiator,
    prologue: Buffer.concat([PROLOGUE_LABEL, pre]),
    staticKeyPair: options.keyPair,
    ...(mode === LinkMode.Code ? { psks: [psk!] } : {}),
  });
}

function framed(message: Buffer): Buffer {
  const length = Buffer.allocUnsafe(2);
  length.writeUInt16BE(message.length, 0);
  return Buffer.concat([length, message]);
}

async function initiate(
  options: HandshakeOptions,
  reader: MessageReader,
): Promise<HandshakeResult> {
  const mode = options.mode ?? LinkMode.Known;
  const pre = preamble(mode, options.codePurpose ?? CodePurpose.Exchange);
  let pake: PakeInitiation | undefined;
  if (mode === LinkMode.Code) {
    if (options.codeScalar === undefined) throw new TypeError("LinkMode.Code needs codeScalar");
    options.transport.write(pre);
    pake = await initiatePake({ transport: options.transport, reader }, options.codeScalar);
  }
  const state = newState(options, mode, pre, pake?.psk);
  try {
    const first = framed(state.writeMessage());
    options.transport.write(pake ? first : Buffer.concat([pre, first]));
    await pake?.confirm();
    const hello = state.readMessage(await reader.readMessage(MAX_HANDSHAKE_MESSAGE));
    const peer = peerInfo(state, hello);
    const refusal = await checkPeer(options, peer);
    options.transport.write(framed(state.writeMessage(encodeHello(options.name))));
    return finish(state, peer, refusal, options, reader);
  } finally {
    state.destroy(); // it holds the PSK by reference: wipe only after
    pake?.psk.fill(0);
  }
}

async function respond(options: HandshakeOptions, reader: MessageReader): Promise<HandshakeResult> {
  const pre = await reader.readExactly(8);
  const mode = pre[5] as LinkMode;
  if (
    !pre.subarray(0, 4).equals(MAGIC) ||
    pre[4] !== PROTOCOL_VERSION ||
    pre[6]! > (mode === LinkMode.Code ? CodePurpose.Exchange : 0) ||
    pre[7] !== 0
  ) {
    throw new HandshakeError(
      "ERR_BAD_PREAMBLE",
      "the peer is not speaking Walkie protocol version 1",
    );
  }
  const expected = options.mode ?? LinkMode.Known;
  if (mode !== expected && mode !== LinkMode.Code) {
    throw new HandshakeError("ERR_BAD_PREAMBLE", `unexpected link mode ${mode}`);
  }
  // A mode-1 peer where no code waits is told so (ERR_NO_CODE) by the PAKE step.
  const io = { transport: options.transport, reader };
  const psk =
    mode === LinkMode.Code
      ? await respondPake(
          io,
          expected === LinkMode.Code ? options.codeSlot : undefined,
          pre[6] as CodePurpose,
        )
      : undefined;
  const state = newState(options, mode, pre, psk);
  try {
    state.readMessage(await reader.readMessage(MAX_HANDSHAKE_MESSAGE));
    options.transport.write(framed(state.writeMessage(encodeHello(options.name))));
    const hello = state.readMessage(await reader.readMessage(MAX_HANDSHAKE_MESSAGE));
    const peer = peerInfo(state, hello);
    const refusal = await checkPeer(options, peer);
    return finish(state, peer, refusal, options, reader);
  } finally {
    state.destroy();
    psk?.fill(0);
  }
}

/** Splits the keys; a refused peer gets one GOAWAY record telling it why. */
function finish(
  state: HandshakeState,
  peer: PeerInfo,
  refusal: WalkieError | undefined,
  options: HandshakeOptions,
  reader: MessageReader,
): HandshakeResult {
  const { send, receive } = state.split();
  const result: HandshakeResult = {
    peer,
    sendKey: Buffer.from(send.k!),
    receiveKey: Buffer.from(receive.k!),
    handshakeHash: Buffer.from(state.handshakeHash),
    leftover: reader.detach(),
  };
  if (refusal) {
    const record = new RecordSealer(result.sendKey).seal([encodeGoAway("ERR_PEER_NOT_ALLOWED")]);
    options.transport.end(record);
    throw refusal;
  }
  return result;
}

async function checkPeer(
  options: HandshakeOptions,
  peer: PeerInfo,
): Promise<WalkieError | undefined> {
  try {
    await options.verifyPeer(peer);
    return undefined;
  } catch (err: unknown) {
    if (err instanceof WalkieError) return err;
    throw err;
  }
}

function encodeHello(name: string): Buffer {
  return Buffer.from(encode({ v: PROTOCOL_VERSION, name }));
}

function peerInfo(state: HandshakeState, payload: Buffer): PeerInfo {
  const publicKey = Buffer.from(state.remoteStaticKey!);
  if (payload.length > MAX_HELLO_BYTES) {
    throw new HandshakeError(
      "ERR_HANDSHAKE_PAYLOAD",
      `hello of ${payload.length} bytes is too large`,
    );
  }
  let hello: unknown;
  try {
    // Strict: a name that is not valid UTF-8 is refused, not silently mended.
    hello = decodeCborStrict(payload, "ERR_HANDSHAKE_PAYLOAD", { maxDepth: 2 });
  } catch (err: unknown) {
    throw new HandshakeError("ERR_HANDSHAKE_PAYLOAD", "the peer's hello is not valid CBOR", {
      cause: err,
    });
  }
  const fields = hello as { v?: unknown; name?: unknown };
  if (
    typeof hello !== "object" ||
    hello === null ||
    fields.v !== PROTOCOL_VERSION ||
    typeof fields.name !== "string"
  ) {
    throw new HandshakeError("ERR_HANDSHAKE_PAYLOAD", "the peer's hello lacks a version or a name");
  }
  return { id: deviceIdFromPublicKey(publicKey), publicKey, name: cleanName(fields.name) };
}

/** Peer names are shown to people: strip control characters, cap the length. */
function cleanName(name: string): string {
  const clean = name
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "")
    .slice(0, 64)
    .trim();
  return clean.length > 0 ? clean : "unnamed";
}
