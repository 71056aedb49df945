// One Parley server on Node and one on Bun, on the same Redis (@parley/redis-adapter): the
// cluster adapter conformance suite, with connection state recovery, across the two runtimes.
// The Bun server is test/bun/fixtures/redis-app.ts, run by the bun binary.
import { fileURLToPath } from "node:url";
import { createAdapter } from "@parley/redis-adapter";
import { createClient } from "redis";
import { describe } from "vitest";
import { adapterConformance } from "../support/adapter-conformance.js";
import { RECOVERY, type RunningServer, startParley } from "../support/adapter-servers.js";
import { describeBun, startBunServer } from "../support/bun.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";

const APP = fileURLToPath(new URL("./fixtures/redis-app.ts", import.meta.url));

const redis = await describeRedis();
const bun = describeBun();

adapterConformance(
  "@parley/redis-adapter: a Node server and a Bun server",
  async () => {
    const key = uniqueName("parley_bun_cluster");
    const [pub, sub] = [createClient({ url: REDIS_URL }), createClient({ url: REDIS_URL })];
    for (const c of [pub, sub]) {
      c.on("error", () => {});
      await c.connect();
    }
    const node = await startParley("node", createAdapter(pub, sub, { key }), {
      connectionStateRecovery: RECOVERY,
    });
    const bunProcess = await startBunServer(APP, { REDIS_URL, KEY: key, NAME: "bun" });
    const onBun: RunningServer = {
      name: "bun",
      url: bunProcess.url.replace(/\/$/, ""),
      close: () => bunProcess.kill(),
    };
    return {
      servers: [node, onBun],
      async stop() {
        await Promise.all([node.close(), onBun.close()]);
        await Promise.all([pub, sub].map((c) => c.close().catch(() => {})));
      },
    };
  },
  // Both: Redis reachable and a Bun binary.
  {
    describe:
      redis === describe && bun === describe ? describe : (describe.skip as typeof describe),
    recovery: true,
  },
);
