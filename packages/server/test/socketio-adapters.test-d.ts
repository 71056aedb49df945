import { createAdapter as clusterAdapter } from "@socket.io/cluster-adapter";
import { createAdapter as postgresAdapter } from "@socket.io/postgres-adapter";
import { createShardedAdapter, createAdapter as redisAdapter } from "@socket.io/redis-adapter";
import { createAdapter as streamsAdapter } from "@socket.io/redis-streams-adapter";
import pg from "pg";
import { createClient } from "redis";
import { Adapter } from "socket.io-adapter";
import { describe, expectTypeOf, it } from "vitest";
import type { SocketIoAdapterHost as FromSubpath } from "../src/adapter/index.js";
import { Server, type SocketIoAdapterHost } from "../src/index.js";

// socket.io's adapters as their users pass them: TypeScript must accept each, as an option
// and through io.adapter() (it used to reject them with a deep restoreSession error).
describe("socket.io-adapter-based adapters are accepted by the types", () => {
  it("as ServerOptions.adapter and io.adapter()", () => {
    const pub = createClient();
    const sub = pub.duplicate();
    new Server({ adapter: redisAdapter(pub, sub) });
    new Server({ adapter: createShardedAdapter(pub, sub) });
    new Server({ adapter: streamsAdapter(pub) });
    new Server({ adapter: postgresAdapter(new pg.Pool()) });
    new Server({ adapter: clusterAdapter() });
    new Server({ adapter: Adapter });
    const io = new Server();
    expectTypeOf(io.adapter(redisAdapter(pub, sub))).toEqualTypeOf<typeof io>();
    expectTypeOf<FromSubpath>().toEqualTypeOf<SocketIoAdapterHost>();
  });
});
