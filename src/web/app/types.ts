/** The API's shapes, shared with the server (types only: nothing of the node is bundled). */
export type {
  History,
  LanDeviceView,
  LinkSample,
  LogEntry,
  NodeStatus,
  PairedPeerView,
  PairingState,
  PeersView,
  Tick,
  TransferView,
} from "../../node/daemon/index.js";
export type { ChatMessage } from "../../services/chat/index.js";
