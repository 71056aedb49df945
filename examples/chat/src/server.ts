/**
 * The chat's entry point (`npm start` at the repository root runs the build of this file).
 * Settings come from the environment: see config.ts.
 */
import { join } from "node:path";
import { startChatServer } from "./chat-server.js";
import { ConfigError, readConfig } from "./config.js";
import { MemoryHistoryStore } from "./history/memory-store.js";
import { RedisHistoryStore } from "./history/redis-store.js";
import type { HistoryStore } from "./history/store.js";

async function main(): Promise<void> {
  const config = readConfig();
  let store: HistoryStore;
  if (config.redisUrl === undefined) {
    store = new MemoryHistoryStore();
  } else {
    const redis = new RedisHistoryStore({ url: config.redisUrl, keyPrefix: config.keyPrefix });
    await redis.connect();
    store = redis;
  }
  // The build puts this file in dist/; the page's hand-written files are in ../public.
  const root = join(__dirname, "..");
  const chat = await startChatServer({
    ...config,
    store,
    publicDir: join(root, "public"),
    bundleDir: join(root, "dist", "public"),
  });
  const storage = config.redisUrl === undefined ? "history in memory" : "history in Redis";
  console.log(
    `Parley chat listening on http://localhost:${chat.port} (${storage}, ${chat.cluster.mode})`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: closing`);
    chat.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
