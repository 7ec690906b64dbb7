/**
 * Services: each is a protocol on a link's streams (pipe, files, chat,
 * forward, rpc). A service knows streams, never sockets or keys.
 */
export * from "./chat/index.js";
export * from "./files/index.js";
export * from "./forward/index.js";
export * from "./pipe.js";
export * from "./rpc/index.js";
