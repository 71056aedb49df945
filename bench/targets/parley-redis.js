// Target: one Parley node of a cluster on @parley/redis-adapter (node-redis client), the same
// shape as socketio-redis.js. Only started once that package exports `createAdapter`.

import { createServer } from "node:http";
import { createAdapter } from "@parley/redis-adapter";
import { Server } from "@parley/server";
import { createClient } from "redis";
import { announceReady } from "./control.js";
import { attachConvention } from "./convention.js";

const pub = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer();
const io = new Server(http, {
  serveClient: false,
  adapter: createAdapter(pub, sub, { key: process.env.BENCH_CHANNEL ?? "parley-bench" }),
});
attachConvention(io);

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  announceReady({
    name: "parley+redis",
    port: typeof address === "object" && address !== null ? address.port : 0,
    clients: () => io.of("/").sockets.size,
  });
});
