import { RedisUserRateStore } from "@parley/redis-adapter";
import type { UserRateStore } from "@parley/server";
import { createClient } from "redis";
import type { ChatIo } from "./types.js";

export type ClusterMode = "single-node" | "redis-adapter";

export interface Cluster {
  mode: ClusterMode;
  /**
   * Per-nickname message counts shared by every instance (in Redis); undefined on a single
   * node, where the server counts in memory.
   */
  userRateStore: UserRateStore | undefined;
  /** Puts the adapter on `io` (nothing on a single node). */
  attach(io: ChatIo): void;
  close(): Promise<void>;
}

type AdapterFactory = (pub: unknown, sub: unknown, options?: unknown) => unknown;

/** Loads `createAdapter` from @parley/redis-adapter when the package provides it. */
async function loadCreateAdapter(): Promise<AdapterFactory | undefined> {
  try {
    const mod = (await import("@parley/redis-adapter")) as Record<string, unknown>;
    const candidate = mod.createAdapter;
    return typeof candidate === "function" ? (candidate as AdapterFactory) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * With REDIS_URL set and the adapter available, instances share broadcasts, rooms, presence
 * (fetchSockets) and per-nickname rate counts through Redis. Without the adapter the chat
 * still runs, as a single node: history is shared through the Redis store, live traffic is
 * not. Connects before the Parley server exists, because the server's `rateLimit` option
 * takes the rate store at construction; `attach` adds the adapter once it does.
 */
export async function connectCluster(
  redisUrl: string | undefined,
  keyPrefix: string,
  log: (line: string) => void,
): Promise<Cluster> {
  const single: Cluster = {
    mode: "single-node",
    userRateStore: undefined,
    attach: () => {},
    close: async () => {},
  };
  if (redisUrl === undefined) return single;
  const createAdapter = await loadCreateAdapter();
  if (createAdapter === undefined) {
    log("REDIS_URL is set but @parley/redis-adapter has no createAdapter yet: single node.");
    return single;
  }
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  const onError = (err: unknown) => log(`redis adapter connection: ${String(err)}`);
  pub.on("error", onError);
  sub.on("error", onError);
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    mode: "redis-adapter",
    // The publishing connection is a command connection, which is all the store needs. Its
    // keys follow the chat's key prefix: chats (and test runs) sharing a Redis count apart,
    // while the instances of one chat, which share the prefix, count together.
    userRateStore: new RedisUserRateStore(pub, { keyPrefix: `${keyPrefix}rate:` }),
    attach(io) {
      // The adapter's constructor type is the package's own business; the factory shape is
      // Socket.IO's convention, which @parley/server accepts. The channel key follows the key
      // prefix, so chats sharing a Redis only form a cluster with the instances they share
      // history with.
      const adapter = createAdapter(pub, sub, { key: `${keyPrefix}adapter` });
      io.adapter(adapter as Parameters<ChatIo["adapter"]>[0]);
    },
    close: async () => {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}
