export { ClusterAdapterError, type ClusterAdapterErrorCode } from "./errors.js";
export type { DebugLogger } from "./logger.js";
export { createAdapter, NodeClusterAdapter } from "./node-cluster-adapter.js";
export type { NodeClusterAdapterOptions, PrimaryOptions } from "./options.js";
export { type PrimaryRelay, setupPrimary } from "./primary.js";
