import { createClient } from "redis";
import type { ChatIo } from "./types.js";

export type ClusterMode = "single-node" | "redis-adapter";

export interface Cluster {
  mode: ClusterMode;
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
 * With REDIS_URL set and the adapter available, instances share broadcasts, rooms and
 * presence (fetchSockets) through Redis pub/sub. Without the adapter the chat still runs, as a
 * single node: history is shared through the Redis store, live traffic is not.
 */
export async function enableCluster(
  io: ChatIo,
  redisUrl: string | undefined,
  keyPrefix: string,
  log: (line: string) => void,
): Promise<Cluster> {
  const single: Cluster = { mode: "single-node", close: async () => {} };
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
  // The adapter's constructor type is the package's own business; the factory shape is
  // Socket.IO's convention, which @parley/server accepts.
  // The channel key follows the key prefix, so chats (and test runs) sharing a Redis only form
  // a cluster with the instances they share history with.
  const adapter = createAdapter(pub, sub, { key: `${keyPrefix}adapter` });
  io.adapter(adapter as Parameters<ChatIo["adapter"]>[0]);
  return {
    mode: "redis-adapter",
    close: async () => {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}
