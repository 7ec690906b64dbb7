/**
 * The long-running node behind `walkie up`: the run file (one node per home),
 * reconnection to paired peers, pairing while running, stats history, log,
 * metrics, and the client the CLI uses to reach a running node. It knows
 * nothing of HTTP or the browser: the web layer serves what it exposes.
 */
export { type BackoffOptions, backoffDelay } from "./backoff.js";
export { type ControlClient, connectToRunningNode } from "./control-client.js";
export type { FilesFront } from "./files-front.js";
export type { LogEntry, LogLevel } from "./log-book.js";
export type { History, LinkSample, Tick } from "./monitor.js";
export { CONFIG_FILE, defaultInbox, type NodeConfig } from "./node-config.js";
export { NODE_HELLO_SERVICE } from "./node-hello.js";
export {
  type NodeEvent,
  NodeService,
  type NodeServiceOptions,
  type NodeStatus,
} from "./node-service.js";
export type { UploadFile } from "./outbox.js";
export type { PairingState } from "./pairing-desk.js";
export type { KeptPeer, PeerKeeperOptions } from "./peer-keeper.js";
export type { LanDeviceView, PairedPeerView, PeersView } from "./peer-views.js";
export type { DeskPipe, PipeDesk } from "./pipe-desk.js";
export { PROMETHEUS_CONTENT_TYPE } from "./prometheus.js";
export {
  acquireRunLock,
  newToken,
  RUN_FILE,
  type RunInfo,
  type RunLock,
  readRunInfo,
} from "./run-lock.js";
export type { TransferState, TransferView } from "./transfer-record.js";
