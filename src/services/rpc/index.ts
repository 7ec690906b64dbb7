/**
 * The rpc service: typed requests with responses, and one-way notifications,
 * between the two ends of a link, for programs (IoT devices, tools). Payloads
 * are bytes or structured values in strict CBOR. It knows streams and links,
 * never sockets; the node registers the handlers and serves the streams.
 */

export type { CborValue } from "../strict-cbor.js";
export {
  type RequestOptions,
  RPC_SERVICE,
  RpcClient,
  type RpcClientOptions,
  rpc,
} from "./client.js";
export { RpcError, RpcRemoteError } from "./errors.js";
export {
  type NotifyHandler,
  type RequestHandler,
  type RpcContext,
  RpcRegistry,
  type RpcServerOptions,
} from "./server.js";
