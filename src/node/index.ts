/**
 * The node layer: a device's identity, its listeners and links, and what
 * peers may do. Faces (CLI, web) use only this and the services.
 */
export * from "./identity.js";
export * from "./node.js";
export * from "./policy.js";
export * from "./state-dir.js";
