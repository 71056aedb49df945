import type { DebugLogger } from "../logger.js";
import type { PubSubMode, RedisPublisher, RedisSubscriber } from "../redis-client.js";

export interface SessionRelayOptions {
  /** A connected node-redis client to publish with (the adapter's `pubClient` will do). */
  pubClient: RedisPublisher;
  /** A separate connected client in subscriber mode (the adapter's `subClient` will do). */
  subClient: RedisSubscriber;
  /**
   * Prefix of the relay's channels (default "parley", like the adapter's `key`). Nodes relay
   * to each other only within one key.
   */
  key?: string;
  /** Sharded or classic Pub/Sub (default "auto": sharded on Redis 7.0+). */
  pubsub?: PubSubMode;
  /** Milliseconds between this node's heartbeats on Redis (default 400). */
  heartbeatInterval?: number;
  /**
   * Milliseconds without a heartbeat after which a node counts as dead (default 1200): its
   * sessions' requests are then refused with 400 "Session ID unknown", and relayed requests
   * still waiting on it are answered so, so that clients reconnect to a live node.
   */
  heartbeatTimeout?: number;
  /**
   * Most bytes one relayed connection may hold in memory, in each direction (default: twice
   * the engine's `maxBufferedBytes` plus its `maxHttpBufferSize` and 64 KiB, which fits the
   * largest polling answer and WebSocket message the engine produces or accepts). A relayed
   * connection past it is dropped.
   */
  maxBufferedBytes?: number;
  /** Receives a line for every notable event (nodes seen and lost, messages ignored). */
  debug?: DebugLogger;
}

export interface SessionRelayStats {
  /** Polling requests this node relayed to the node owning their session (as the edge). */
  requestsOut: number;
  /** WebSocket upgrades this node relayed to the node owning their session. */
  upgradesOut: number;
  /** Relayed connections other nodes opened to this one (as the owner). */
  tunnelsIn: number;
  /** Requests naming another node's session, refused because that node is not alive. */
  refused: number;
  /** Messages on the relay's channels ignored as malformed. */
  ignored: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL = 400;
export const DEFAULT_HEARTBEAT_TIMEOUT = 1200;

export function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`option ${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}
