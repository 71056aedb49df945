import type { ClusterAdapterOptions } from "@parley/server/adapter";
import type { SubscriptionMode } from "./channels.js";
import type { DebugLogger } from "./logger.js";
import type { PubSubMode } from "./redis-client.js";

export interface RedisAdapterOptions extends ClusterAdapterOptions {
  /**
   * Prefix of every channel (default "parley"). Servers and emitters with the same key form
   * one cluster; a unique key isolates an application (or a test) on a shared Redis.
   */
  key?: string;
  /**
   * How rooms map to channels (default "dynamic": a channel per room, so a broadcast to one
   * room reaches only the servers with members in it). See `SubscriptionMode`.
   */
  subscriptionMode?: SubscriptionMode;
  /** Sharded or classic Pub/Sub (default "auto": sharded on Redis 7.0+). */
  pubsub?: PubSubMode;
  /**
   * Connection state recovery kept in Redis instead of each server's memory (default false;
   * needs the server's `connectionStateRecovery`). A session and the packets it misses then
   * survive the server it was on, even one killed with SIGKILL, and any server restores it.
   * Costs a Lua script per broadcast instead of a PUBLISH, a Redis round trip before a
   * broadcast reaches local sockets, and Redis memory for the recovery window. See
   * "Durable sessions" in the README.
   */
  durableSessions?: boolean;
  /**
   * Also accept messages of socket.io's own emitter, `@socket.io/redis-emitter` (default
   * false: they are dropped with a warning saying to set this). It implies classic Pub/Sub
   * and subscriptionMode "dynamic-private" (an explicit other value throws), and subscribes
   * to the emitter's request channel. The emitter's `key` must be this adapter's `key`.
   * Set it on every server of the cluster.
   */
  socketIoEmitter?: boolean;
  /**
   * Receives a line for every notable event: messages ignored as malformed, servers seen and
   * lost, Redis errors, failed publishes. Without it, each kind of trouble prints one
   * concise warning, once.
   */
  debug?: DebugLogger;
}

/** Options of a standalone `Emitter`: they must match the servers' (`key`, modes). */
export interface EmitterOptions {
  key?: string;
  subscriptionMode?: SubscriptionMode;
  pubsub?: PubSubMode;
  debug?: DebugLogger;
}

export const DEFAULT_KEY = "parley";
