import { randomBytes } from "node:crypto";
import {
  type IoRedisClient,
  type IoRedisCluster,
  ioRedisOps,
  isIoRedis,
  isIoRedisCluster,
} from "./ioredis-client.js";
import type { Logger } from "./logger.js";
import { describeError } from "./logger.js";
import { watchLostNodes } from "./lost-nodes.js";
import { bridgeShardedMoves } from "./sharded-moves.js";

/** A subscriber's listener in buffer mode: raw bytes, so binary parts arrive intact. */
export type RawListener = (message: Buffer, channel: Buffer) => unknown;

/**
 * What the adapter uses of a publishing client: a node-redis (v4.6+ / v5) `createClient()`
 * client fits. Declared structurally so any compatible client (or a test double) can be used.
 */
export interface RedisClientPublisher {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  sPublish(channel: string, message: string | Buffer): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/**
 * A node-redis `createCluster()` client: sPublish goes to the channel's shard; classic
 * PUBLISH, which Redis Cluster relays everywhere, is sent through sendCommand (see
 * `publishOn`), which takes the routing key and read-only flag first. `masters` tells the
 * two kinds of client apart.
 */
export interface RedisClusterPublisher {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  sPublish(channel: string, message: string | Buffer): Promise<unknown>;
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: (string | Buffer)[],
  ): Promise<unknown>;
  readonly masters: readonly unknown[];
  on(event: "error", listener: (err: Error) => void): unknown;
}

/**
 * A publishing client: node-redis (`createClient()`, Sentinel-fronted or not, or
 * `createCluster()`) or ioredis (`new Redis()` or `new Cluster()`).
 */
export type RedisPublisher = RedisClientPublisher | RedisClusterPublisher | IoRedisClient;

/** `INFO server` on any node (every node of a cluster runs the same version). */
function infoServer(client: RedisPublisher): Promise<unknown> {
  return clientOps(client).info();
}

/**
 * What the adapter uses of a subscribing client (a `pub.duplicate()`, connected). The two
 * node-redis clients differ only in how they type the listener given back to unsubscribe.
 */
interface SubscriberOf<UnsubscribeListener> {
  subscribe(channels: string | string[], listener: RawListener, bufferMode: true): Promise<unknown>;
  unsubscribe(
    channels: string | string[],
    listener: UnsubscribeListener,
    bufferMode: true,
  ): Promise<unknown>;
  sSubscribe(
    channels: string | string[],
    listener: RawListener,
    bufferMode: true,
  ): Promise<unknown>;
  sUnsubscribe(
    channels: string | string[],
    listener: UnsubscribeListener,
    bufferMode: true,
  ): Promise<unknown>;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/** A node-redis `createClient()` subscriber. */
export type RedisClientSubscriber = SubscriberOf<RawListener>;

/**
 * A listener as node-redis's cluster client types it for unsubscribe: `string | Buffer`
 * whatever the buffer mode. The adapter subscribes in buffer mode, so only Buffers arrive.
 */
type ClusterListener = (message: string | Buffer, channel: string | Buffer) => unknown;

/** A node-redis `createCluster()` subscriber (`masters` tells it apart). */
export interface RedisClusterSubscriber extends SubscriberOf<ClusterListener> {
  readonly masters: readonly unknown[];
}

/** A subscribing client: node-redis standalone or cluster, or ioredis `Redis` or `Cluster`. */
export type RedisSubscriber = RedisClientSubscriber | RedisClusterSubscriber | IoRedisClient;

/**
 * The few operations the adapter needs, whatever the client library: each client's kind is
 * detected once (`clientOps`) and wrapped behind this.
 */
export interface ClientOps {
  info(): Promise<unknown>;
  publish(mode: "sharded" | "classic", channel: string, payload: string | Buffer): Promise<unknown>;
  subscribe(mode: "sharded" | "classic", channel: string, listener: RawListener): Promise<unknown>;
  unsubscribe(
    mode: "sharded" | "classic",
    channel: string,
    listener: RawListener,
  ): Promise<unknown>;
}

const ops = new WeakMap<object, ClientOps>();

/**
 * The client's operations, its kind detected on first use. A client of no known kind throws
 * here, at setup (`createAdapter`, `new Emitter`, `attachSessionRelay` call it through
 * `watchErrors`): accepting it would mean losing every message later.
 */
export function clientOps(client: RedisPublisher | RedisSubscriber): ClientOps {
  let found = ops.get(client);
  if (found === undefined) {
    found = detectKind(client);
    ops.set(client, found);
  }
  return found;
}

function detectKind(client: RedisPublisher | RedisSubscriber): ClientOps {
  if (typeof client !== "object" || client === null) throw unsupported(client);
  if (isIoRedis(client)) return ioRedisOps(client);
  const c = client as Partial<Record<"sPublish" | "sSubscribe" | "masters", unknown>>;
  if (typeof c.sPublish === "function" || typeof c.sSubscribe === "function") {
    return nodeRedisOps(client as NodeRedisPublisher & NodeRedisSubscriber);
  }
  throw unsupported(client);
}

function unsupported(client: unknown): Error {
  const name =
    typeof client === "object" && client !== null ? client.constructor.name : typeof client;
  return new TypeError(
    `@parley/redis-adapter: unsupported Redis client (${name}): pass a node-redis client (createClient() or createCluster(), v4.6+) or an ioredis one (new Redis() or new Cluster(), v5+)`,
  );
}

/**
 * An ioredis `Cluster` subscriber hears sharded messages from every shard only with
 * `shardedSubscribers: true` (ioredis 5.5+): without it one connection subscribes, and
 * channels owned by other shards would stay silent. Checked at setup, unless Pub/Sub is
 * classic (which a Cluster relays to every node).
 */
export function checkSubscriber(client: RedisSubscriber, mode: PubSubMode): void {
  if (!isIoRedis(client) || !isIoRedisCluster(client) || mode === "classic") return;
  if ((client as IoRedisCluster).options.shardedSubscribers === true) return;
  throw new TypeError(
    `@parley/redis-adapter: this ioredis Cluster cannot receive sharded Pub/Sub (pubsub: "${mode}"): create it with new Cluster(nodes, { shardedSubscribers: true }) (ioredis 5.5+), or pass pubsub: "classic" to every server and emitter`,
  );
}

type NodeRedisPublisher = RedisClientPublisher | RedisClusterPublisher;
type NodeRedisSubscriber = RedisClientSubscriber | RedisClusterSubscriber;

/**
 * Which Pub/Sub the cluster speaks. `sharded` (SPUBLISH/SSUBSCRIBE, Redis 7.0+) keeps each
 * channel's traffic on the shard that owns it in Redis Cluster; `classic` works everywhere.
 * `auto` asks the server its version once. Every server and emitter must end up on the same.
 */
export type PubSubMode = "auto" | "sharded" | "classic";

const watched = new WeakSet<object>();

/**
 * Listens to a client's 'error' events: node-redis and ioredis emit one per failed
 * (re)connection attempt, and an EventEmitter without a listener would throw it and end the
 * process. Called at setup for every client, it first detects the client's kind, so an
 * unsupported client throws there (see `clientOps`).
 */
export function watchErrors(
  client: RedisPublisher | RedisSubscriber,
  logger: Logger,
  role: string,
): void {
  clientOps(client);
  if (watched.has(client)) return;
  watched.add(client);
  client.on("error", (err: Error) => {
    logger.warn("redis-error", `Redis ${role} client error: ${describeError(err)}`);
  });
  // node-redis 5.x's cluster client never notices a killed master by itself (lost-nodes.ts).
  if (!isIoRedis(client) && "masters" in client) watchLostNodes(client, logger);
}

/** The major version in `INFO server`, or undefined. */
function majorVersion(info: unknown): number | undefined {
  const text = Buffer.isBuffer(info) ? info.toString() : String(info);
  const match = /^redis_version:(\d+)\./m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

const detected = new WeakMap<object, Promise<"sharded" | "classic">>();

/**
 * Resolves the Pub/Sub mode. `auto` asks the server once per client (retrying while it is
 * unreachable): Redis 7.0 and later get sharded Pub/Sub.
 */
export function resolvePubSub(
  client: RedisPublisher,
  mode: PubSubMode,
  logger: Logger,
): Promise<"sharded" | "classic"> {
  if (mode !== "auto") return Promise.resolve(mode);
  let found = detected.get(client);
  if (found === undefined) {
    found = detect(client, logger);
    detected.set(client, found);
  }
  return found;
}

async function detect(client: RedisPublisher, logger: Logger): Promise<"sharded" | "classic"> {
  for (let attempt = 0; ; attempt++) {
    try {
      const major = majorVersion(await infoServer(client));
      const mode = major !== undefined && major >= 7 ? "sharded" : "classic";
      logger.debug(`Redis major version ${String(major)}: ${mode} Pub/Sub`);
      return mode;
    } catch (err) {
      logger.warn(
        "redis-version",
        `could not read the Redis version (${describeError(err)}); retrying`,
      );
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
    }
  }
}

const publishRoutes = new WeakMap<RedisClusterPublisher, string>();

/** A classic PUBLISH sent where its routing key (KEYS[1]) lives; the key is never touched. */
const PUBLISH_SCRIPT = "return redis.call('PUBLISH',ARGV[1],ARGV[2])";

/**
 * The key that picks the one node a cluster client sends its classic PUBLISHes to: random
 * per client, so the servers of an app spread their publishing over the masters.
 */
function publishRoute(client: RedisClusterPublisher): string {
  let route = publishRoutes.get(client);
  if (route === undefined) {
    route = `parley-publish-${randomBytes(6).toString("hex")}`;
    publishRoutes.set(client, route);
  }
  return route;
}

/** Publishes on the chosen Pub/Sub. */
export function publishOn(
  client: RedisPublisher,
  mode: "sharded" | "classic",
  channel: string,
  payload: string | Buffer,
): Promise<unknown> {
  return clientOps(client).publish(mode, channel, payload);
}

export function subscribeOn(
  client: RedisSubscriber,
  mode: "sharded" | "classic",
  channel: string,
  listener: RawListener,
): Promise<unknown> {
  return clientOps(client).subscribe(mode, channel, listener);
}

export function unsubscribeOn(
  client: RedisSubscriber,
  mode: "sharded" | "classic",
  channel: string,
  listener: RawListener,
): Promise<unknown> {
  return clientOps(client).unsubscribe(mode, channel, listener);
}

/** node-redis: the client has a per-channel listener of its own; cluster clients differ. */
function nodeRedisOps(client: NodeRedisPublisher & NodeRedisSubscriber): ClientOps {
  const cluster = "masters" in client;
  return {
    info: () =>
      cluster
        ? (client as RedisClusterPublisher).sendCommand(undefined, true, ["INFO", "server"])
        : (client as RedisClientPublisher).sendCommand(["INFO", "server"]),
    publish(mode, channel, payload) {
      if (mode === "sharded") return client.sPublish(channel, payload);
      if (cluster) {
        // A cluster client's publish() is keyless, so node-redis sends each one to the next
        // node of a round robin over the masters (MONITOR on a 3-master cluster: six
        // PUBLISHes in a row land on nodes 1, 2, 3, 1, 2, 3), or (6.x) to a random one, its
        // routing key ignored for a keyless command. Each node relays it to the others on its
        // own cluster bus link, so one server's messages reach a subscriber out of order (500
        // sent in bursts arrived as 0, 3, 6, 9…; the session relay's byte streams broke at
        // once). A script keyed by one route per client keeps them on one master, one link,
        // in every version, and follows the route's slot across a failover.
        const c = client as RedisClusterPublisher;
        const route = publishRoute(c);
        return c.sendCommand(route, false, ["EVAL", PUBLISH_SCRIPT, "1", route, channel, payload]);
      }
      return client.publish(channel, payload);
    },
    subscribe(mode, channel, listener) {
      if (mode !== "sharded") return client.subscribe(channel, listener, true);
      const subscribed = client.sSubscribe(channel, listener, true);
      if (!cluster) return subscribed;
      // The connection to the channel's master exists once the SSUBSCRIBE is sent.
      return subscribed.finally(() => bridgeShardedMoves(client as RedisClusterSubscriber));
    },
    unsubscribe(mode, channel, listener) {
      if (cluster) {
        // Buffer mode: the cluster client hands this listener Buffers only.
        const c = client as RedisClusterSubscriber;
        const wide = listener as ClusterListener;
        const done =
          mode === "sharded"
            ? c.sUnsubscribe(channel, wide, true)
            : c.unsubscribe(channel, wide, true);
        return done.catch(ignoreClosed);
      }
      const c = client as RedisClientSubscriber;
      return mode === "sharded"
        ? c.sUnsubscribe(channel, listener, true)
        : c.unsubscribe(channel, listener, true);
    },
  };
}

/**
 * node-redis's cluster client (5.x) closes a Pub/Sub connection (a master's sharded one, or
 * the classic one) once its last channel is unsubscribed, and checks that after each
 * (S)UNSUBSCRIBE: two in flight on one connection (two rooms emptied at once, or close())
 * both find it idle, and the second destroy() throws "The client is closed" although both
 * channels are gone (PUBSUB SHARDNUMSUB: 0 on every node). A closed connection holds no
 * subscription, so that error is the outcome we asked for.
 */
function ignoreClosed(err: unknown): void {
  if (err instanceof Error && err.message === "The client is closed") return;
  throw err;
}
