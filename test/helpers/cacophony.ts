/** The cacophony Noise test vectors (test/fixtures/noise) and the handshake states they describe. */
import { readFileSync } from "node:fs";
import {
  HandshakeState,
  type KeyPair,
  keyPairFromSecretKey,
} from "../../src/crypto/noise/index.js";

export interface Vector {
  name: string;
  init_prologue: string;
  init_psk?: string;
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_psk?: string;
  resp_static?: string;
  resp_ephemeral: string;
  resp_remote_static?: string;
  messages: { payload: string; ciphertext: string }[];
}

const fixture = new URL("../fixtures/noise/cacophony.json", import.meta.url);
export const vectors = (JSON.parse(readFileSync(fixture, "utf8")) as { vectors: Vector[] }).vectors;

export const fromHex = (hex: string): Buffer => Buffer.from(hex, "hex");
export const pairOf = (hex: string | undefined): KeyPair | undefined =>
  hex === undefined ? undefined : keyPairFromSecretKey(fromHex(hex));

/** One side of a vector, with its fixed keys and ephemeral. */
export function vectorSide(v: Vector, side: "init" | "resp"): HandshakeState {
  const field = (name: string) =>
    (v as unknown as Record<string, string | undefined>)[`${side}_${name}`];
  const bytes = (name: string) => (field(name) === undefined ? undefined : fromHex(field(name)!));
  const psk = bytes("psk");
  return new HandshakeState({
    protocolName: v.name,
    initiator: side === "init",
    prologue: bytes("prologue"),
    staticKeyPair: pairOf(field("static")),
    remoteStaticKey: bytes("remote_static"),
    psks: psk ? [psk] : [],
    ephemeralKeyPair: pairOf(field("ephemeral")),
  });
}
