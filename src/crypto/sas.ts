/**
 * Short authentication string: six decimal digits derived from a Noise
 * handshake hash, which is unique to one session and the same on both
 * sides. Two people who read the same six digits on both screens know no one
 * sat in the middle of that handshake (as in ZRTP or Signal's safety numbers).
 */
import { hkdfSync } from "node:crypto";

const INFO = "walkie/1 sas";
const DIGITS = 6;

/** Six digits, e.g. `"042917"`: HKDF-SHA256(hash, info "walkie/1 sas"), 64 bits mod 10^6. */
export function shortAuthString(handshakeHash: Uint8Array): string {
  const bytes = Buffer.from(hkdfSync("sha256", handshakeHash, Buffer.alloc(0), INFO, 8));
  // 64 bits reduced mod 10^6: the bias is below 2^-44, far below what a person can notice.
  const value = bytes.readBigUInt64BE(0) % 10n ** BigInt(DIGITS);
  return value.toString().padStart(DIGITS, "0");
}
