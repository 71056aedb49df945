import type { Socket as ServerSocket } from "@parley/server";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import { RoundRobinProxy } from "./cluster/proxy.js";
import {
  describeRedis,
  joinRUnlessRecovered,
  type Node,
  next,
  redisClient,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

// Durable sessions (issue 14, item 1), in one process: sessions and history in Redis, a
// client moved between servers under numbered streams from both, and the reasons given
// when the history is gone. The kill -9 fault test is durable-failover.test.ts.

const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient } = (await import(PARLEY_CLIENT)) as {
  io: (url: string, opts: Record<string, unknown>) => ClientSocket & { recoveryFailure?: string };
};

describeRedis("durable sessions", () => {
  let nodes: Node[] = [];
  let proxy: RoundRobinProxy | undefined;
  const clients: ClientSocket[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  const keys: string[] = [];

  afterEach(async () => {
    for (const t of timers.splice(0)) clearInterval(t);
    for (const c of clients.splice(0)) c.disconnect();
    await proxy?.close();
    proxy = undefined;
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
    const redis = await redisClient();
    for (const key of keys.splice(0)) {
      const found = await redis.keys(`${key}-durable#*`);
      if (found.length > 0) await redis.del(found);
    }
    await redis.close();
  });

  /** Two servers behind a balancer; `quiet`: a new socket joins "r" and is sent nothing. */
  async function cluster(
    recovery: Record<string, number> = {},
    subscriptionMode = "dynamic",
    quiet = false,
  ) {
    const key = uniqueKey("durable");
    keys.push(key);
    nodes = await startCluster(2, {
      key,
      adapter: { durableSessions: true, subscriptionMode: subscriptionMode as "dynamic" },
      server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000, ...recovery } },
    });
    if (!quiet) joinRUnlessRecovered(nodes);
    for (const node of quiet ? nodes : []) {
      node.io.on("connection", async (socket) => {
        if (!socket.recovered) await socket.join("r");
      });
    }
    let target = 0;
    proxy = new RoundRobinProxy(nodes.map((n) => Number(new URL(n.url).port)));
    proxy.policy = () => target;
    const url = await proxy.listen();
    return { url, key, setTarget: (t: number) => (target = t) };
  }

  /** Drops the client's connection on the server side, with no close frame. */
  function drop(node: Node): void {
    const [socket] = [...node.io.of("/").sockets.values()] as [ServerSocket];
    socket.conn.request.socket.destroy();
  }

  it.each(["dynamic", "static"])(
    "moves a session between servers with nothing lost or duplicated (%s)",
    async (mode) => {
      const { url, setTarget } = await cluster({}, mode);
      const [a, b] = nodes as [Node, Node];
      const c = ioc(`${url}/`, {
        forceNew: true,
        transports: ["websocket"],
        reconnectionDelay: 5,
        randomizationFactor: 0,
      });
      clients.push(c);
      const got: Record<string, number[]> = { A: [], B: [] };
      c.on("seq", (from: string, n: number) => got[from]?.push(n));
      await next(c, "ready");
      const sent = { A: 0, B: 0 };
      timers.push(setInterval(() => a.io.to("r").emit("seq", "A", sent.A++), 2));
      timers.push(setInterval(() => b.io.to("r").emit("seq", "B", sent.B++), 2));
      await waitFor(() => (got.A?.length ?? 0) > 5 && (got.B?.length ?? 0) > 5, "both streams");
      let target = 0;
      for (let hop = 0; hop < 12; hop++) {
        const from = nodes[target] as Node;
        target = 1 - target;
        setTarget(target);
        const ready = next<[boolean]>(c, "ready");
        drop(from);
        const [recovered] = await ready;
        expect(recovered).toBe(true);
        const mark = { A: got.A?.length ?? 0, B: got.B?.length ?? 0 };
        await waitFor(
          () => (got.A?.length ?? 0) > mark.A + 3 && (got.B?.length ?? 0) > mark.B + 3,
          "the streams on the new server",
        );
      }
      for (const t of timers.splice(0)) clearInterval(t);
      const last = { A: sent.A - 1, B: sent.B - 1 };
      await waitFor(() => got.A?.at(-1) === last.A && got.B?.at(-1) === last.B, "the last numbers");
      for (const from of ["A", "B"] as const) {
        const seen = got[from] as number[];
        const first = seen[0] as number;
        expect(seen).toEqual(Array.from({ length: last[from] - first + 1 }, (_, i) => first + i));
      }
      // Nothing stays captured once the socket is in its rooms.
      for (const node of nodes) expect(node.adapter().durableState().capturing).toBe(0);
    },
  );

  it("keeps socket.data and rooms, and private emits, across servers", async () => {
    const { url, setTarget } = await cluster();
    const [a] = nodes as [Node, Node];
    a.io.on("connection", (socket) => {
      if (socket.recovered) return;
      socket.data = { user: "ada" };
      void socket.join(["x", "y"]);
    });
    const c = ioc(`${url}/`, { forceNew: true, transports: ["websocket"], reconnectionDelay: 5 });
    clients.push(c);
    const private_: number[] = [];
    c.on("mine", (n: number) => private_.push(n));
    await next(c, "ready");
    const [serverSocket] = [...a.io.of("/").sockets.values()] as [ServerSocket];
    await waitFor(() => serverSocket.rooms.has("y"), "the joins");
    serverSocket.emit("mine", 1);
    await waitFor(() => private_.length === 1, "the first private emit");
    setTarget(1);
    const ready = next<[boolean]>(c, "ready");
    // Emitted on A after the drop: kept in Redis, replayed by B.
    serverSocket.conn.request.socket.destroy();
    serverSocket.emit("mine", 2);
    expect((await ready)[0]).toBe(true);
    const [moved] = [...(nodes[1] as Node).io.of("/").sockets.values()] as [ServerSocket];
    expect(moved.id).toBe(serverSocket.id);
    expect(moved.data).toEqual({ user: "ada" });
    expect([...moved.rooms].sort()).toEqual([moved.id, "r", "x", "y"].sort());
    await waitFor(() => private_.length === 2, "the private emit sent while away");
    expect(private_).toEqual([1, 2]);
  });

  it("says history_evicted when what the client missed was trimmed", async () => {
    const { url, setTarget } = await cluster({ maxPackets: 20 });
    const [a] = nodes as [Node, Node];
    const c = parleyClient(`${url}/`, {
      forceNew: true,
      transports: ["websocket"],
      reconnectionDelay: 5,
    });
    clients.push(c);
    await next(c, "ready");
    const got: number[] = [];
    c.on("n", (n: number) => got.push(n));
    a.io.to("r").emit("n", 0);
    await waitFor(() => got.length === 1, "the first packet");
    // Gone from both servers: nobody can deliver until it reconnects.
    c.io.reconnection(false);
    c.io.engine.close();
    for (let i = 1; i <= 400; i++) a.io.to("r").emit("n", i);
    await waitFor(() => a.adapter().durableState().pending === 0, "the broadcasts stored");
    setTarget(1);
    c.io.reconnection(true);
    const ready = next<[boolean]>(c, "ready");
    c.connect();
    expect((await ready)[0]).toBe(false);
    expect(c.recovered).toBe(false);
    expect(c.recoveryFailure).toBe("history_evicted");
  });

  it("restores a client that received nothing yet (no offset) from where its session began", async () => {
    const { url, key, setTarget } = await cluster({}, "dynamic", true);
    const [a, b] = nodes as [Node, Node];
    // In the history before the session began: not for it.
    a.io.to("r").emit("n", 0);
    await waitFor(() => a.adapter().durableState().pending === 0, "the first broadcast stored");
    const c = ioc(`${url}/`, { forceNew: true, transports: ["websocket"], reconnectionDelay: 5 });
    clients.push(c);
    const got: number[] = [];
    c.on("n", (n: number) => got.push(n));
    await next(c, "connect");
    const redis = await redisClient();
    try {
      // Its record, with where it began, is written at the end of the connecting tick.
      await waitFor(async () => {
        const homes = await redis.keys(`${key}-durable#*home#*`);
        for (const home of homes) {
          if ((await redis.hKeys(home)).some((f) => f.endsWith("#s"))) return true;
        }
        return false;
      }, "the session's record");
    } finally {
      await redis.close();
    }
    // Gone from both servers, so that what follows is missed.
    c.io.reconnection(false);
    c.io.engine.close();
    await waitFor(() => a.io.of("/").sockets.size === 0, "the drop seen on A");
    a.io.to("r").emit("n", 1);
    await waitFor(() => a.adapter().durableState().pending === 0, "A's broadcast stored");
    b.io.to("r").emit("n", 2);
    await waitFor(() => b.adapter().durableState().pending === 0, "B's broadcast stored");
    expect(got).toEqual([]);
    setTarget(1);
    c.io.reconnection(true);
    const back = next(c, "connect");
    c.connect();
    await back;
    expect(c.recovered).toBe(true);
    const [moved] = [...b.io.of("/").sockets.values()] as [ServerSocket];
    expect(moved.recovered).toBe(true);
    expect(moved.rooms.has("r")).toBe(true);
    await waitFor(() => got.length === 2, "the missed broadcasts");
    expect(got).toEqual([1, 2]);
  });
});
