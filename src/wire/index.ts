/**
 * The wire layer: mux frame types, limits, and a pure encoder and decoder for
 * record plaintexts (docs/PROTOCOL.md section 4). It knows nothing of sockets,
 * encryption, streams or services: bytes in, typed frames out, and back.
 */
export * from "./constants.js";
export type * from "./frame.js";
export * from "./frame-decoder.js";
export * from "./frame-encoder.js";
