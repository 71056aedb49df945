import type { ChildProcess } from "node:child_process";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { Emitter, namespaceChannel, responseChannel, roomChannel } from "../src/index.js";
import {
  bundleNode,
  type ChildNode,
  freePort,
  killed,
  startChildNode,
  startRedisServer,
} from "./fixtures/processes.js";
import {
  closeClients,
  collect,
  connect,
  describeRedis,
  type Node,
  next,
  REDIS_URL,
  type Redis,
  redisClient,
  redisReachable,
  sleep,
  startCluster,
  startNode,
  uniqueKey,
  waitFor,
} from "./helpers.js";

/**
 * A client that fails over: when its connection drops, it connects to the next URL of the
 * list that answers (what a load balancer in front of the nodes does).
 */
function failoverClient(urls: string[], first: number, auth: Record<string, string>) {
  const state = { socket: undefined as ClientSocket | undefined, connects: 0, index: first };
  const open = (i: number) => {
    state.index = i % urls.length;
    const socket = ioc(urls[state.index] as string, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      auth,
    });
    state.socket = socket;
    socket.on("connect", () => state.connects++);
    socket.on("connect_error", () => open(state.index + 1));
    socket.on("disconnect", (reason) => {
      if (reason !== "io client disconnect") open(state.index + 1);
    });
  };
  open(first);
  return {
    state,
    close: () => {
      const s = state.socket;
      state.socket = undefined;
      s?.removeAllListeners();
      s?.disconnect();
    },
  };
}

describeRedis("faults", () => {
  let nodes: Node[] = [];
  let children: ChildProcess[] = [];
  let bundle: { file: string; dispose(): void } | undefined;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    bundle = await bundleNode();
  });
  afterAll(() => bundle?.dispose());

  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
    for (const fn of cleanups.splice(0)) await fn();
    await Promise.all(children.map(killed));
    children = [];
  });

  it("SIGKILL of a node: its clients move to a survivor, the others never notice, requests stop waiting", async () => {
    const key = uniqueKey("kill");
    nodes = await startCluster(2, { key, adapter: { requestsTimeout: 10_000 } });
    const [a, b] = nodes as [Node, Node];
    const c: ChildNode = await startChildNode((bundle as { file: string }).file, {
      REDIS_URL,
      KEY: key,
    });
    children.push(c.child);
    await waitFor(async () => (await a.adapter().serverCount()) === 3, "A to see the child");
    await waitFor(async () => (await b.adapter().serverCount()) === 3, "B to see the child");
    for (const n of [a, b]) n.io.on("connection", (s) => void s.join("r"));
    b.io.on("ask", (ack: (r: string) => void) => ack("from b"));

    const ca = await connect(a.url);
    const cb = await connect(b.url);
    const aDisconnects = collect(ca, "disconnect");
    const bDisconnects = collect(cb, "disconnect");
    const moving = failoverClient([c.url, a.url, b.url], 0, { room: "r" });
    cleanups.push(moving.close);
    await waitFor(() => moving.state.connects === 1, "client on the child");
    await waitFor(async () => (await a.io.fetchSockets()).length === 3, "3 sockets");

    // A request in flight that the child will never answer.
    const pending = a.io.serverSideEmitWithAck("ask");
    await sleep(50);
    await killed(c.child);

    // It completes with B's reply, well before its 10 s timeout (a timeout would reject).
    expect(await pending).toEqual(["from b"]);
    expect(await a.adapter().serverCount()).toBe(2);
    await waitFor(async () => (await b.adapter().serverCount()) === 2, "B to forget the child");

    // The moved client is back, on A or B, and reachable from either server.
    await waitFor(() => moving.state.connects === 2, "client to fail over");
    expect(moving.state.index).not.toBe(0);
    const movedSocket = moving.state.socket as ClientSocket;
    await waitFor(async () => (await a.io.in("r").fetchSockets()).length >= 1, "moved client in r");
    const got = next(movedSocket, "after");
    b.io.to(movedSocket.id as string).emit("after", "crash");
    expect(await got).toEqual(["crash"]);
    const all = Promise.all([next(ca, "all"), next(cb, "all"), next(movedSocket, "all")]);
    a.io.emit("all");
    await all;

    // The clients of the surviving servers never noticed.
    expect(aDisconnects).toEqual([]);
    expect(bDisconnects).toEqual([]);
    expect(ca.connected && cb.connected).toBe(true);
  });

  it("Redis restart: adapters reconnect, resubscribe, and broadcasts cross again; nothing crashes", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let redis = startRedisServer(port);
    cleanups.push(() => killed(redis));
    await waitFor(() => redisReachable(url), "private redis-server");

    const logs: string[] = [];
    const key = uniqueKey("restart");
    nodes = await startCluster(2, {
      key,
      redisUrl: url,
      adapter: { debug: (line) => logs.push(line) },
    });
    const [a, b] = nodes as [Node, Node];
    b.io.on("connection", (s) => void s.join("r"));
    const cb = await connect(b.url);
    await waitFor(async () => (await a.io.in("r").fetchSockets()).length === 1, "member");
    const before = next(cb, "news");
    a.io.to("r").emit("news", "before");
    expect(await before).toEqual(["before"]);

    await killed(redis);
    await waitFor(() => !a.pub.isReady && !b.sub.isReady, "clients to notice");
    // Broadcasting while Redis is gone neither throws nor crashes.
    a.io.to("r").emit("news", "during");
    a.io.emit("news", "during");
    await sleep(200);

    redis = startRedisServer(port);
    await waitFor(
      () => [a.pub, a.sub, b.pub, b.sub].every((c) => c.isReady),
      "clients to reconnect",
      15_000,
    );
    // The subscriptions come back by themselves: broadcasts cross nodes again, on the
    // namespace channel and on the room's channel.
    const got: unknown[] = [];
    cb.on("news", (v: unknown) => got.push(v));
    for (let i = 0; i < 100 && !got.includes("after-room"); i++) {
      a.io.to("r").emit("news", "after-room");
      await sleep(50);
    }
    expect(got).toContain("after-room");
    const everyone = next(cb, "everyone");
    a.io.emit("everyone");
    await everyone;
    await waitFor(async () => (await a.adapter().serverCount()) === 2, "servers to meet again");
    expect(cb.connected).toBe(true);
    expect(logs.some((l) => /Redis .* client error/.test(l))).toBe(true);
  });

  it("malformed and foreign messages on the adapter's channels are ignored, with a log line", async () => {
    const logs: string[] = [];
    const key = uniqueKey("garbage");
    nodes = await startCluster(2, { key, adapter: { debug: (line) => logs.push(line) } });
    const [a, b] = nodes as [Node, Node];
    b.io.on("connection", (s) => void s.join("r"));
    const cb = await connect(b.url);
    await waitFor(async () => (await a.io.in("r").fetchSockets()).length === 1, "member");
    const raw: Redis = await redisClient();
    cleanups.push(() => raw.destroy());
    const garbage: (string | Buffer)[] = [
      "hello",
      "{not json",
      "[1,2,3]",
      JSON.stringify({ type: "broadcast", uid: "x", nsp: "/" }),
      JSON.stringify({
        type: "sockets-join",
        uid: "x",
        nsp: "/",
        opts: { rooms: 5 },
        rooms: ["evil"],
      }),
      JSON.stringify({ type: "format-disk", uid: "x", nsp: "/" }),
      Buffer.from([1, 0, 0, 0, 99, 0x7b]),
      Buffer.from([0x82, 0xa4, 0x74, 0x79]),
    ];
    const channels = [
      namespaceChannel(key, "/"),
      roomChannel(key, "/", "r"),
      responseChannel(key, "/", b.adapter().uid),
    ];
    for (const channel of channels) for (const g of garbage) await raw.sPublish(channel, g);
    // Still working, and every piece of garbage got a line.
    const got = next(cb, "fine");
    a.io.to("r").emit("fine", 1);
    expect(await got).toEqual([1]);
    // A and B hear the namespace channel; only B the room's channel and its response channel.
    await waitFor(
      () =>
        logs.filter((l) => l.includes("ignored a malformed message")).length === garbage.length * 4,
      "a log line per ignored message",
    );
    expect([...b.adapter().rooms.keys()]).not.toContain("evil");
  });

  it("by default, ignored messages print one concise warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    cleanups.push(() => warn.mockRestore());
    const key = uniqueKey("warn");
    const node = await startNode({ key });
    nodes = [node];
    const c = await connect(node.url);
    const raw: Redis = await redisClient();
    cleanups.push(() => raw.destroy());
    const channel = namespaceChannel(key, "/");
    await waitFor(
      async () =>
        Number(((await raw.sendCommand(["PUBSUB", "SHARDNUMSUB", channel])) as unknown[])[1]) === 1,
      "subscription",
    );
    for (let i = 0; i < 5; i++) await raw.sPublish(channel, `garbage ${i}`);
    const emitter = new Emitter(raw, { key });
    const got = next(c, "after");
    emitter.emit("after");
    await got;
    const lines = warn.mock.calls.map((args) => String(args[0]));
    expect(lines.filter((l) => l.includes("malformed"))).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[parley\/redis-adapter\] ignored a malformed message/);
  });
});
