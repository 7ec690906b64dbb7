/**
 * Transports: anything that yields a Node `Duplex` byte stream. TCP (IPv4 and
 * IPv6), Unix sockets, stdin/stdout and in-memory pairs. This layer knows
 * nothing of encryption, frames or peers: it moves bytes, with half-close.
 */
export * from "./exec.js";
export * from "./memory.js";
export * from "./serial.js";
export * from "./stdio.js";
export * from "./tcp.js";
export * from "./websocket-duplex.js";
