/**
 * The files service: files, folders and short texts between two devices,
 * verified (SHA-256 per file), resumable (.part files and a journal) and
 * safe (every name from the peer is checked; a violation closes the link).
 * It works on a link's streams only: it knows nothing of sockets, keys,
 * discovery or prompts. The sender offers with `sendFiles`; the receiver is
 * a stream handler, `new FilesReceiver(options).handler`.
 */
export { TransferError } from "./errors.js";
export {
  EntryKind,
  MAX_ENTRIES,
  type ManifestEntry,
  type Offer,
  type OfferSummary,
} from "./manifest.js";
export { numbered } from "./plan.js";
export { type ReceiveOptions, ReceiveTransfer } from "./receive-transfer.js";
export { FILES_SERVICE, FilesReceiver } from "./receiver.js";
export { checkEntryPaths, checkRelativePath } from "./safe-path.js";
export { type ScanOptions, type SendSource, scanPaths, streamSource, textSource } from "./scan.js";
export { type SendOptions, SendTransfer, sendFiles } from "./sender.js";
export type {
  AcceptedEvent,
  ActiveFile,
  FileDoneEvent,
  ProgressSnapshot,
  TransferPeer,
  TransferResult,
} from "./transfer.js";
export { Transfer } from "./transfer.js";
