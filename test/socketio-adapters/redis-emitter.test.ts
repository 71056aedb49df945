// @socket.io/redis-emitter → a Parley server hosting @socket.io/redis-adapter: the workers
// and cron jobs of a socket.io app reach its clients unchanged.

import { createAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startParley } from "../support/adapter-servers.js";
import {
  call,
  closeClients,
  collect,
  connect,
  next,
  waitFor,
  within,
} from "../support/app-clients.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";

(await describeRedis())(
  "@socket.io/redis-emitter → @socket.io/redis-adapter hosted on Parley",
  () => {
    const key = uniqueName("sio_emitter");
    const clients: ReturnType<typeof createClient>[] = [];
    let server: RunningServer;
    let emitter: Emitter;

    beforeAll(async () => {
      for (let i = 0; i < 3; i++) {
        const c = createClient({ url: REDIS_URL });
        c.on("error", () => {});
        await c.connect();
        clients.push(c);
      }
      const [pub, sub, forEmitter] = clients as [
        (typeof clients)[0],
        (typeof clients)[0],
        (typeof clients)[0],
      ];
      server = await startParley("p0", createAdapter(pub, sub, { key }));
      emitter = new Emitter(forEmitter, { key });
    });

    afterAll(async () => {
      closeClients();
      await server?.close();
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    });

    it("broadcasts (all, a room, except, binary), socketsJoin, serverSideEmit, disconnectSockets", async () => {
      const { socket: a } = await connect(server.url, { rooms: ["r"] });
      const { socket: b } = await connect(server.url, { kind: "parley" });
      const got = [collect(a, "m"), collect(b, "m")];
      emitter.emit("m", "all");
      emitter.to("r").emit("m", "r");
      emitter.except("r").emit("m", "not-r");
      emitter.to("r").emit("m", Buffer.from([1, 2]));
      await waitFor(() => got[0]?.length === 3 && got[1]?.length === 2, "the emitter's broadcasts");
      expect(got[0]?.slice(0, 2)).toEqual([["all"], ["r"]]);
      expect([...new Uint8Array(got[0]?.[2]?.[0] as ArrayBuffer)]).toEqual([1, 2]);
      expect(got[1]).toEqual([["all"], ["not-r"]]);
      emitter.in(b.id as string).socketsJoin("joined");
      await waitFor(async () => {
        const found = await call<unknown[]>(a, "fetchSockets", { rooms: ["joined"] });
        return found.length === 1;
      }, "the emitter's socketsJoin");
      const noted = next(a, "noted");
      emitter.serverSideEmit("note", { from: "emitter" });
      expect(await within(noted, "the emitter's serverSideEmit")).toEqual([
        "p0",
        { from: "emitter" },
      ]);
      const gone = next(b, "disconnect");
      emitter.in("joined").disconnectSockets();
      expect((await within(gone, "the emitter's disconnectSockets"))[0]).toBe(
        "io server disconnect",
      );
    });
  },
);
