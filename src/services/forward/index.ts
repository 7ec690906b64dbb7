/**
 * The forward service: a local TCP or UDP port reaches a host:port on the
 * peer's side, if the peer allows that target. The calling side listens
 * locally (`startForwarder`); the answering side checks its allow list and
 * connects (`serveForward`, wired by the node).
 */
export {
  checkForward,
  type Forwarder,
  type ForwarderEvent,
  type ForwarderOptions,
  forwardError,
  startForwarder,
} from "./forwarder.js";
export {
  FORWARD_SERVICE,
  type ForwardEvent,
  type ForwardServeOptions,
  serveForward,
} from "./serve.js";
export {
  allowForwardList,
  type ForwardPolicy,
  type ForwardProtocol,
  type ForwardTarget,
  formatTarget,
  parseTarget,
} from "./target.js";
