import { describe, expectTypeOf, it } from "vitest";
import { createAdapter, Emitter, type RedisPublisher, type RedisSubscriber } from "../src/index.js";
import type { Redis } from "./helpers.js";

interface ToClient {
  news(title: string, n: number): void;
}
interface BetweenServers {
  reload(version: number): void;
}

describe("types", () => {
  it("takes node-redis clients as they are", () => {
    expectTypeOf<Redis>().toExtend<RedisPublisher>();
    expectTypeOf<Redis>().toExtend<RedisSubscriber>();
    expectTypeOf(createAdapter).parameter(0).toEqualTypeOf<RedisPublisher>();
  });

  it("types an emitter's events", () => {
    const emitter = new Emitter<ToClient, BetweenServers>({} as Redis);
    emitter.to("r").emit("news", "hi", 1);
    emitter.of("/admin").except("x").emit("news", "hi", 2);
    emitter.serverSideEmit("reload", 3);
    // @ts-expect-error wrong argument type
    emitter.emit("news", 1, 1);
    // @ts-expect-error unknown event
    emitter.emit("other");
    // @ts-expect-error server-side events are separate
    emitter.serverSideEmit("news", "x", 1);
  });
});
