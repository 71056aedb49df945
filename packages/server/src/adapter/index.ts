export * from "./adapter.js";
export { ClusterAdapter, type ClusterAdapterOptions } from "./cluster-adapter.js";
export type * from "./cluster-message.js";
export { InMemoryAdapter } from "./in-memory-adapter.js";
