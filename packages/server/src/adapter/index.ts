export * from "./adapter.js";
export { ClusterAdapter, type ClusterAdapterOptions } from "./cluster-adapter.js";
export type * from "./cluster-message.js";
export { InMemoryAdapter } from "./in-memory-adapter.js";
export {
  limitError as reliableLimitError,
  MemoryReliableStore,
  RELIABLE_GRACE_MS,
  ReliableError,
  type ReliableEntry,
  type ReliablePid,
  type ReliableStore,
  type ReliableStoreOptions,
} from "../reliable/index.js";
