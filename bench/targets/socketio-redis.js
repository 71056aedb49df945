// Target: one socket.io node of a cluster on the official Redis adapter (node-redis client).
// The channel prefix is unique per run so other users of the same Redis never cross-talk.

import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
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
    name: "socket.io+redis",
    port: typeof address === "object" && address !== null ? address.port : 0,
    clients: () => io.of("/").sockets.size,
  });
});
