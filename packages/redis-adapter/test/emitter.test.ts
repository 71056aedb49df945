import { afterEach, beforeEach, expect, it } from "vitest";
import { Emitter } from "../src/index.js";
import {
  closeClients,
  collect,
  connect,
  describeRedis,
  type Node,
  next,
  type Redis,
  redisClient,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

describeRedis("Emitter (a process that is not a server)", () => {
  let nodes: Node[] = [];
  let redis: Redis;
  let key: string;
  let a: Node;
  let b: Node;

  beforeEach(async () => {
    key = uniqueKey("emitter");
    nodes = await startCluster(2, { key }, ["/", "/admin"]);
    [a, b] = nodes as [Node, Node];
    for (const n of nodes) {
      n.io.on("connection", async (s) => {
        const room = s.handshake.auth.room;
        if (typeof room === "string") await s.join(room);
        s.emit("ready");
      });
    }
    redis = await redisClient();
  });

  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
    redis.destroy();
  });

  async function clients() {
    const ca = await connect(a.url, "/", { auth: { room: "r" } });
    const cb = await connect(b.url, "/", { auth: { room: "s" } });
    await waitFor(async () => (await a.io.fetchSockets()).length === 2, "2 sockets");
    return { ca, cb };
  }

  it("emits to every socket, to rooms, except rooms, and to other namespaces", async () => {
    const { ca, cb } = await clients();
    const emitter = new Emitter(redis, { key });
    const onA = collect(ca, "m");
    const onB = collect(cb, "m");
    emitter.emit("m", "all");
    emitter.to("r").emit("m", "r");
    emitter.in("s").emit("m", "s");
    emitter.except("r").emit("m", "not-r");
    const admin = await connect(b.url, "/admin");
    const onAdmin = next(admin, "m");
    emitter.of("/admin").emit("m", "admin");
    expect(await onAdmin).toEqual(["admin"]);
    const done = Promise.all([next(ca, "end"), next(cb, "end")]);
    emitter.emit("end");
    await done;
    expect(onA).toEqual([["all"], ["r"]]);
    expect(onB).toEqual([["all"], ["s"], ["not-r"]]);
    // As in socket.io, a volatile packet only goes onto an idle transport: alone, it arrives.
    const local = nodes.flatMap((n) => [...n.io.sockets.sockets.values()]);
    await waitFor(() => local.every((s) => s.conn.writable), "idle transports");
    const both = Promise.all([next(ca, "m"), next(cb, "m")]);
    emitter.volatile.to(["r", "s"]).emit("m", "both");
    expect(await both).toEqual([["both"], ["both"]]);
  });

  it("carries binary intact", async () => {
    const { cb } = await clients();
    const got = next<[{ img: ArrayBuffer }]>(cb, "bin");
    new Emitter(redis, { key }).emit("bin", { img: Buffer.from([1, 2, 3]) });
    const [p] = await got;
    expect([...new Uint8Array(p.img)]).toEqual([1, 2, 3]);
  });

  it("socketsJoin, socketsLeave and disconnectSockets reach every server", async () => {
    const { ca, cb } = await clients();
    const emitter = new Emitter(redis, { key });
    emitter.socketsJoin("everyone");
    await waitFor(async () => (await a.io.in("everyone").fetchSockets()).length === 2, "join");
    emitter.in("r").socketsLeave("everyone");
    await waitFor(async () => (await b.io.in("everyone").fetchSockets()).length === 1, "leave");
    const gone = next(cb, "disconnect");
    const onA = collect(ca, "disconnect");
    emitter.in("everyone").disconnectSockets();
    expect((await gone)[0]).toBe("io server disconnect");
    expect(onA).toEqual([]);
  });

  it("serverSideEmit reaches every server, and the emitter never counts as one", async () => {
    const seen: string[] = [];
    a.io.on("job", (n: number) => seen.push(`a${n}`));
    b.io.on("job", (n: number) => seen.push(`b${n}`));
    const emitter = new Emitter(redis, { key });
    emitter.serverSideEmit("job", 1);
    await waitFor(() => seen.length === 2, "both servers");
    expect(seen.sort()).toEqual(["a1", "b1"]);
    expect(await a.adapter().serverCount()).toBe(2);
    expect(await b.adapter().serverCount()).toBe(2);
  });

  it("refuses what it cannot do: acks and reserved events", () => {
    const emitter = new Emitter(redis, { key });
    expect(() => emitter.emit("m", () => {})).toThrow(/acknowledgement/);
    expect(() => emitter.serverSideEmit("m", () => {})).toThrow(/acknowledgement/);
    expect(() => emitter.emit("disconnect")).toThrow(/reserved/);
  });

  it("flush() resolves once everything emitted reached Redis", async () => {
    const { ca } = await clients();
    const emitter = new Emitter(redis, { key });
    const got = next(ca, "late");
    emitter.to("r").emit("late", 1);
    await emitter.flush();
    expect(await got).toEqual([1]);
  });
});
