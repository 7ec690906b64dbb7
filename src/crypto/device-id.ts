/**
 * Device IDs: a short, typeable name for a static public key. The ID is the
 * first 20 bytes of SHA-256(publicKey) in base32, cut in four groups of eight
 * characters, each followed by a Luhn mod 32 check character so a mistyped
 * ID is caught before any network use (the same idea as Syncthing's IDs).
 */
import { createHash } from "node:crypto";
import { ConfigError } from "../errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const GROUPS = 4;
const GROUP_LENGTH = 8;
const ID_BYTES = 20;

/** RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Luhn mod N over the base32 alphabet: one check character for `group`. */
export function luhn32(group: string): string {
  let factor = 1;
  let sum = 0;
  for (const char of group) {
    const codePoint = ALPHABET.indexOf(char);
    if (codePoint < 0) throw new ConfigError("ERR_BAD_DEVICE_ID", `"${char}" is not base32`);
    const addend = factor * codePoint;
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return ALPHABET[(32 - (sum % 32)) % 32]!;
}

/** The device ID of a 32-byte X25519 public key, e.g. `MFRGGZDF7-...` (4 groups of 9). */
export function deviceIdFromPublicKey(publicKey: Uint8Array): string {
  const digest = createHash("sha256").update(publicKey).digest().subarray(0, ID_BYTES);
  const plain = base32(digest);
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    const group = plain.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH);
    groups.push(group + luhn32(group));
  }
  return groups.join("-");
}

/**
 * Checks and normalises a device ID typed by a person: case, spaces and
 * dashes are forgiven, a wrong check character or length is not.
 * @throws ConfigError ERR_BAD_DEVICE_ID
 */
export function parseDeviceId(text: string): string {
  const compact = text.toUpperCase().replace(/[\s-]/g, "");
  const full = GROUPS * (GROUP_LENGTH + 1);
  if (compact.length !== full || !/^[A-Z2-7]+$/.test(compact)) {
    throw new ConfigError(
      "ERR_BAD_DEVICE_ID",
      `"${text}" is not a device ID (expected ${GROUPS} groups of ${GROUP_LENGTH + 1} characters A-Z, 2-7)`,
    );
  }
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    const chunk = compact.slice(i * (GROUP_LENGTH + 1), (i + 1) * (GROUP_LENGTH + 1));
    const group = chunk.slice(0, GROUP_LENGTH);
    if (luhn32(group) !== chunk[GROUP_LENGTH]) {
      throw new ConfigError(
        "ERR_BAD_DEVICE_ID",
        `device ID "${text}" has a wrong check character in group ${i + 1}: mistyped?`,
      );
    }
    groups.push(chunk);
  }
  return groups.join("-");
}

/** The first group of a device ID, for announcements and short displays. */
export function shortDeviceId(deviceId: string): string {
  return deviceId.slice(0, GROUP_LENGTH + 1);
}
