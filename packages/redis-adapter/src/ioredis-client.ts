import type { ClientOps, RawListener } from "./redis-client.js";

/** ioredis emits every Pub/Sub message as raw Buffers to these two events. */
type BufferListener = (channel: Buffer, message: Buffer) => void;

/**
 * What the adapter uses of an ioredis client (`new Redis()` or `new Cluster()`, ioredis 5+).
 * `isCluster` tells the two apart (ioredis sets it on both). Declared structurally, so
 * ioredis stays an optional peer dependency.
 */
export interface IoRedisClient {
  readonly isCluster: boolean;
  readonly status: string;
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  spublish(channel: string, message: string | Buffer): Promise<unknown>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  ssubscribe(...channels: string[]): Promise<unknown>;
  sunsubscribe(...channels: string[]): Promise<unknown>;
  info(section: string): Promise<string>;
  /** A new connection with the same options (ioredis connects it at once). */
  duplicate(): IoRedisClient;
  disconnect(): void;
  emit(event: "error", err: Error): boolean;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "messageBuffer" | "smessageBuffer", listener: BufferListener): unknown;
}

/** An ioredis `Cluster`: `nodes("master")` picks the one node classic PUBLISHes go to. */
export interface IoRedisCluster extends IoRedisClient {
  nodes(role: "master"): IoRedisClient[];
  readonly options: { readonly shardedSubscribers?: boolean | undefined };
}

export function isIoRedis(client: object): client is IoRedisClient {
  const c = client as Partial<Record<keyof IoRedisClient, unknown>>;
  return (
    typeof c.isCluster === "boolean" &&
    typeof c.status === "string" &&
    typeof c.ssubscribe === "function" &&
    typeof c.spublish === "function"
  );
}

export function isIoRedisCluster(client: IoRedisClient): client is IoRedisCluster {
  return client.isCluster;
}

type Mode = "sharded" | "classic";

/**
 * ioredis delivers every message of a client to its `messageBuffer` / `smessageBuffer`
 * listeners, with no per-channel callback as node-redis has. This keeps node-redis's
 * semantics on top: listeners per channel, one SUBSCRIBE when the first comes and one
 * UNSUBSCRIBE when the last goes (several adapters, namespaces and the session relay can
 * share one subscriber). Messages arrive as Buffers, so binary stays intact.
 */
export function ioRedisOps(client: IoRedisClient): ClientOps {
  const tables: Record<
    Mode,
    Map<string, { listeners: Set<RawListener>; ready: Promise<unknown> }>
  > = { classic: new Map(), sharded: new Map() };
  // ioredis keeps one subscriber state per connection and loses track of it when classic
  // and sharded subscriptions share one (a SUNSUBSCRIBE that leaves 0 shard channels ends
  // "subscriber mode" for it while the classic ones remain: "Command queue state error").
  // So on a standalone client, the first mode used gets the client itself and the other a
  // duplicate connection of its own. (A Cluster already keeps them apart.)
  const connections: Partial<Record<Mode, IoRedisClient>> = {};
  const connectionFor = (mode: Mode): IoRedisClient => {
    let found = connections[mode];
    if (found !== undefined) return found;
    const other = connections[mode === "classic" ? "sharded" : "classic"];
    if (client.isCluster || other === undefined || other !== client) found = client;
    else {
      found = client.duplicate();
      // Its errors are the client's: whoever watches the client hears them.
      found.on("error", (err) => client.emit("error", err));
    }
    connections[mode] = found;
    listen(found, mode);
    return found;
  };
  const listen = (connection: IoRedisClient, mode: Mode) => {
    const dispatch = (channel: Buffer, message: Buffer) => {
      const entry = tables[mode].get(channel.toString());
      if (entry === undefined) return;
      for (const listener of entry.listeners) listener(message, channel);
    };
    connection.on(mode === "classic" ? "messageBuffer" : "smessageBuffer", dispatch);
  };
  let publishNode: IoRedisClient | undefined;

  return {
    info: () => client.info("server"),
    publish(mode, channel, payload) {
      if (mode === "sharded") return client.spublish(channel, payload);
      if (!isIoRedisCluster(client)) return client.publish(channel, payload);
      // A Cluster sends a keyless PUBLISH to a random node, and each node relays it on its
      // own bus link: one server's messages would reach subscribers out of order (see
      // `publishOn`). All of this client's PUBLISHes go through one master instead, chosen
      // again only when that connection is not ready (failover, reconnect).
      if (publishNode?.status !== "ready") {
        const masters = client.nodes("master").filter((n) => n.status === "ready");
        publishNode = masters[Math.floor(Math.random() * masters.length)];
      }
      return (publishNode ?? client).publish(channel, payload);
    },
    subscribe(mode, channel, listener) {
      const connection = connectionFor(mode);
      const table = tables[mode];
      const entry = table.get(channel);
      if (entry !== undefined) {
        entry.listeners.add(listener);
        return entry.ready;
      }
      const ready =
        mode === "sharded" ? connection.ssubscribe(channel) : connection.subscribe(channel);
      table.set(channel, { listeners: new Set([listener]), ready });
      return ready;
    },
    unsubscribe(mode, channel, listener) {
      const table = tables[mode];
      const entry = table.get(channel);
      if (entry === undefined || !entry.listeners.delete(listener)) return Promise.resolve();
      if (entry.listeners.size > 0) return Promise.resolve();
      table.delete(channel);
      const connection = connectionFor(mode);
      const done =
        mode === "sharded" ? connection.sunsubscribe(channel) : connection.unsubscribe(channel);
      if (connection === client || table.size > 0) return done;
      // The duplicate's last channel: it goes, and comes back if this mode is used again.
      delete connections[mode];
      return done.finally(() => connection.disconnect());
    },
  };
}
