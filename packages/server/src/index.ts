import type { ServerOptions } from "./options.js";
import type { AttachTarget } from "./server.js";
import { Server } from "./server.js";

export type { DefaultEventsMap, EventsMap } from "@parley/protocol";
export { AckTimeoutError, PendingAcksExceededError, SocketDisconnectedError } from "./acks.js";
export type {
  Adapter,
  AdapterConstructor,
  AdapterEvents,
  AdapterNamespace,
  AdapterSocket,
  BroadcastFlags,
  BroadcastOptions,
  PersistedSession,
  PrivateSessionId,
  RecoveryOptions,
  RestoredSession,
  Room,
  SocketDetails,
  SocketId,
} from "./adapter/adapter.js";
export { ClusterAdapter } from "./adapter/cluster-adapter.js";
export type * from "./adapter/cluster-message.js";
export { InMemoryAdapter } from "./adapter/in-memory-adapter.js";
export { SocketIoAdapterHost } from "./adapter/socketio-compat/host.js";
export { type BroadcastAckError, BroadcastOperator } from "./broadcast-operator.js";
export { Client, type ClientLimits } from "./client.js";
export type {
  ConnectionCloseReason,
  EngineConnection,
  PreparedMessage,
  SendOptions,
  TransportInfo,
  TransportName,
} from "./engine/contract.js";
export { MiddlewareFailedError, type MiddlewareFn, type NextFunction } from "./middleware.js";
export { Namespace, type NamespaceReservedEvents } from "./namespace.js";
export type { ConnectionStateRecoveryOptions, ServerOptions } from "./options.js";
export { type NamespaceMatcher, ParentNamespace } from "./parent-namespace.js";
export type { ParserDecoder, ParserEncoder, ParserModule } from "./parser.js";
export {
  Presence,
  type PresenceChange,
  type PresenceEvents,
  type PresenceIdentity,
  type PresenceMember,
  type PresenceOptions,
} from "./presence/index.js";
export {
  type BucketOptions,
  type ConnectionRateLimitOptions,
  type EventRateLimitOptions,
  MemoryUserRateStore,
  RateLimitedError,
  type RateLimitInfo,
  type RateLimitOptions,
  type RateLimitPolicy,
  type RateLimitScope,
  type UserRateLimitOptions,
  type UserRateStore,
} from "./rate-limit/index.js";
export {
  MemoryReliableStore,
  ReliableEmitter,
  type ReliableEntry,
  ReliableError,
  type ReliableErrorCode,
  type ReliablePid,
  type ReliableStore,
  type ReliableStoreOptions,
} from "./reliable/index.js";
export type { RemoteSocket, TimedEmitter } from "./remote-socket.js";
export { type AttachTarget, type BindableEngine, Server } from "./server.js";
export { Socket } from "./socket.js";
export { SocketEmitter } from "./socket-emitter.js";
export type {
  DisconnectReason,
  Event,
  ExtendedError,
  Handshake,
  SocketReservedEvents,
} from "./socket-types.js";
export {
  type AckCallback,
  type EventSchemaMap,
  INVALID_PAYLOAD,
  InvalidPayloadError,
  type InvalidPayloadReply,
  type PayloadIssue,
  type SchemaEvents,
  type StandardSchemaV1,
  type ValidatedListener,
  type WithSchemas,
} from "./validation/index.js";

/**
 * `import io from "@parley/server"; const server = io(httpServer, opts)` — the classic
 * factory. Named imports (`import { Server }`) are the usual form.
 */
function createServer(srv?: AttachTarget | ServerOptions, opts?: ServerOptions): Server {
  if (srv === undefined || (typeof srv === "object" && !("listen" in srv))) {
    return new Server(srv as ServerOptions | undefined);
  }
  return new Server(srv, opts);
}

export default createServer;
