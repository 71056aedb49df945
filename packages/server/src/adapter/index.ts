export {
  limitError as reliableLimitError,
  MemoryReliableStore,
  RELIABLE_GRACE_MS,
  type ReliableEntry,
  ReliableError,
  type ReliablePid,
  type ReliableStore,
  type ReliableStoreOptions,
} from "../reliable/index.js";
export * from "./adapter.js";
export { ClusterAdapter, type ClusterAdapterOptions } from "./cluster-adapter.js";
export type * from "./cluster-message.js";
export { InMemoryAdapter } from "./in-memory-adapter.js";
export { SocketIoAdapterHost } from "./socketio-compat/host.js";
export type { SocketIoAdapter, SocketIoAdapterConstructor } from "./socketio-compat/types.js";
