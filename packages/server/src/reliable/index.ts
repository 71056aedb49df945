export { ReliableChannel, type ReliableSocket } from "./channel.js";
export { ReliableEmitter } from "./emitter.js";
export { MemoryReliableStore } from "./memory-store.js";
export { RELIABLE_NOTIFY_EVENT, type ReliableNotice, readNotice } from "./notify.js";
export { ReliableNamespace, reliableNamespace } from "./registry.js";
export {
  DEFAULT_MAX_RELIABLE_PER_SOCKET,
  limitError,
  RELIABLE_GRACE_MS,
  RELIABLE_REFRESH_MS,
  type ReliableEntry,
  ReliableError,
  type ReliableErrorCode,
  type ReliablePid,
  type ReliableStore,
  type ReliableStoreOptions,
} from "./store.js";
