export {
  hasRoomChannel,
  looksLikeSocketId,
  namespaceChannel,
  responseChannel,
  roomChannel,
  type SubscriptionMode,
} from "./channels.js";
export { CodecError, decode, encode } from "./codec.js";
export { Emitter } from "./emitter.js";
export type { IoRedisClient, IoRedisCluster } from "./ioredis-client.js";
export type { DebugLogger } from "./logger.js";
export type { EmitterOptions, RedisAdapterOptions } from "./options.js";
export {
  RedisUserRateStore,
  type RedisUserRateStoreOptions,
} from "./rate-limit/user-rate-store.js";
export { createAdapter, RedisAdapter } from "./redis-adapter.js";
export type {
  PubSubMode,
  RawListener,
  RedisClientPublisher,
  RedisClientSubscriber,
  RedisClusterPublisher,
  RedisClusterSubscriber,
  RedisPublisher,
  RedisSubscriber,
} from "./redis-client.js";
export { RedisReliableStore } from "./reliable/redis-reliable-store.js";
export {
  attachSessionRelay,
  RedisSessionRelay,
  type RelayableEngine,
  type SessionRelayOptions,
  type SessionRelayStats,
  TunnelError,
  type TunnelErrorCode,
} from "./sessions/index.js";
