/**
 * A device's long-term identity: its static X25519 key pair and name, kept
 * in `<stateDir>/identity.json` with mode 0600 and created on first use.
 */
import { mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { deviceIdFromPublicKey } from "../crypto/device-id.js";
import { generateKeyPair, type KeyPair } from "../crypto/noise/index.js";
import { ConfigError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";

export interface Identity {
  /** Device ID with check characters, derived from the public key. */
  readonly id: string;
  /** Human name shown to peers (default: the host name). */
  readonly name: string;
  readonly keyPair: KeyPair;
}

interface IdentityFile {
  version: 1;
  name: string;
  publicKey: string;
  secretKey: string;
}

const FILE_NAME = "identity.json";
const MAX_NAME_BYTES = 64;

/** Checks a device name: 1 to 64 UTF-8 bytes, no control characters. */
export function checkDeviceName(name: string): string {
  const trimmed = name.trim();
  if (
    trimmed.length === 0 ||
    Buffer.byteLength(trimmed) > MAX_NAME_BYTES ||
    /[\u0000-\u001f\u007f]/.test(trimmed)
  ) {
    throw new ConfigError(
      "ERR_BAD_NAME",
      `device name must be 1 to ${MAX_NAME_BYTES} bytes without control characters`,
    );
  }
  return trimmed;
}

/** Loads the identity from `stateDir`, creating it (and the folder) if absent. */
export async function loadOrCreateIdentity(
  stateDir: string,
  options: { name?: string } = {},
): Promise<Identity> {
  const path = join(stateDir, FILE_NAME);
  let text: string | undefined;
  try {
    text = await readFile(path, "utf8");
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ConfigError("ERR_IDENTITY", `cannot read ${path}`, { cause: err });
    }
  }
  if (text === undefined) return createIdentity(stateDir, options.name ?? hostname());
  const identity = parseIdentity(text, path);
  if (options.name !== undefined && checkDeviceName(options.name) !== identity.name) {
    return saveIdentity(stateDir, { ...identity, name: checkDeviceName(options.name) });
  }
  return identity;
}

/** Changes the stored device name. */
export async function renameIdentity(stateDir: string, name: string): Promise<Identity> {
  const identity = await loadOrCreateIdentity(stateDir);
  return saveIdentity(stateDir, { ...identity, name: checkDeviceName(name) });
}

async function createIdentity(stateDir: string, name: string): Promise<Identity> {
  const keyPair = generateKeyPair();
  const identity = { id: deviceIdFromPublicKey(keyPair.publicKey), name: safeName(name), keyPair };
  return saveIdentity(stateDir, identity);
}

async function saveIdentity(stateDir: string, identity: Identity): Promise<Identity> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file: IdentityFile = {
    version: 1,
    name: identity.name,
    publicKey: identity.keyPair.publicKey.toString("base64"),
    secretKey: identity.keyPair.secretKey.toString("base64"),
  };
  await writeFileAtomic(join(stateDir, FILE_NAME), `${JSON.stringify(file, null, 2)}\n`, {
    mode: 0o600,
  });
  return identity;
}

function parseIdentity(text: string, path: string): Identity {
  let file: Partial<IdentityFile>;
  try {
    file = JSON.parse(text) as Partial<IdentityFile>;
  } catch (err: unknown) {
    throw new ConfigError("ERR_IDENTITY", `${path} is not valid JSON`, { cause: err });
  }
  const publicKey = Buffer.from(String(file.publicKey ?? ""), "base64");
  const secretKey = Buffer.from(String(file.secretKey ?? ""), "base64");
  if (file.version !== 1 || publicKey.length !== 32 || secretKey.length !== 32) {
    throw new ConfigError("ERR_IDENTITY", `${path} is not a Walkie identity file (version 1)`);
  }
  const name = typeof file.name === "string" ? safeName(file.name) : safeName(hostname());
  return { id: deviceIdFromPublicKey(publicKey), name, keyPair: { publicKey, secretKey } };
}

/** A host name can be anything; fall back to a plain name rather than fail. */
function safeName(name: string): string {
  try {
    return checkDeviceName(name);
  } catch {
    return "walkie-device";
  }
}
