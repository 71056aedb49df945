import type { Socket as ClientSocket } from "socket.io-client";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import {
  closeClients,
  collect,
  connect,
  describeRedis,
  type Node,
  next,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

describeRedis("three Parley servers on one Redis", () => {
  let nodes: Node[] = [];
  let a: Node;
  let b: Node;
  let c: Node;
  /** One client per node, in room "r" on A and C; B's is in room "other". */
  let ca: ClientSocket;
  let cb: ClientSocket;
  let cc: ClientSocket;

  beforeEach(async () => {
    nodes = await startCluster(3, { key: uniqueKey("cluster") }, ["/", "/admin"]);
    [a, b, c] = nodes as [Node, Node, Node];
    for (const [i, node] of nodes.entries()) {
      node.io.use((socket, nextFn) => {
        socket.data = { node: i, user: socket.handshake.auth.user };
        nextFn();
      });
      node.io.on("connection", async (socket) => {
        const room = socket.handshake.auth.room;
        if (typeof room === "string") await socket.join(room);
        socket.emit("ready");
      });
    }
    const join = async (node: Node, user: string, room: string) => {
      const s = await connect(node.url, "/", { auth: { user, room } });
      if (!s.connected) await next(s, "ready");
      return s;
    };
    [ca, cb, cc] = await Promise.all([
      join(a, "ana", "r"),
      join(b, "bo", "other"),
      join(c, "cy", "r"),
    ]);
    // Room subscriptions settle before "ready" is sent, but be sure every node sees every socket.
    await waitFor(async () => (await a.io.fetchSockets()).length === 3, "3 sockets");
  });

  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
  });

  it("io.emit reaches every client of every server", async () => {
    const got = Promise.all([ca, cb, cc].map((s) => next(s, "hello")));
    b.io.emit("hello", "world", 42);
    expect(await got).toEqual([
      ["world", 42],
      ["world", 42],
      ["world", 42],
    ]);
  });

  it("to(room) reaches only the room's members, on every server", async () => {
    const onB = collect(cb, "news");
    const got = Promise.all([next(ca, "news"), next(cc, "news")]);
    b.io.to("r").emit("news", 1);
    expect(await got).toEqual([[1], [1]]);
    // Messages of one publisher arrive in order: the marker comes after any stray "news".
    const marker = next(cb, "marker");
    b.io.emit("marker");
    await marker;
    expect(onB).toEqual([]);
  });

  it("except and several rooms: a union, each socket once", async () => {
    const onA = collect(ca, "m");
    const onB = collect(cb, "m");
    const onC = collect(cc, "m");
    a.io.to(["r", "other"]).emit("m", "both");
    a.io
      .to("r")
      .except(cc.id as string)
      .emit("m", "r-but-c");
    a.io.except("other").emit("m", "not-other");
    const markers = Promise.all([ca, cb, cc].map((s) => next(s, "marker")));
    a.io.emit("marker");
    await markers;
    expect(onA).toEqual([["both"], ["r-but-c"], ["not-other"]]);
    expect(onB).toEqual([["both"]]);
    expect(onC).toEqual([["both"], ["not-other"]]);
  });

  it("volatile broadcasts cross servers", async () => {
    const got = next(cc, "v");
    a.io.volatile.to("r").emit("v", "x");
    expect(await got).toEqual(["x"]);
  });

  it("local broadcasts stay on their server", async () => {
    const onB = collect(cb, "l");
    const onC = collect(cc, "l");
    const onA = next(ca, "l");
    a.io.local.emit("l");
    await onA;
    const markers = Promise.all([next(cb, "marker"), next(cc, "marker")]);
    a.io.emit("marker");
    await markers;
    expect(onB).toEqual([]);
    expect(onC).toEqual([]);
  });

  it("fetchSockets sees every server's sockets, with their details", async () => {
    const sockets = await b.io.fetchSockets();
    const byId = new Map(sockets.map((s) => [s.id, s]));
    expect(new Set(byId.keys())).toEqual(new Set([ca.id, cb.id, cc.id]));
    const remote = byId.get(ca.id as string);
    expect(remote?.data).toEqual({ node: 0, user: "ana" });
    expect([...(remote?.rooms ?? [])].sort()).toEqual([ca.id, "r"].sort());
    expect(remote?.handshake.auth).toEqual({ user: "ana", room: "r" });
    const inRoom = await b.io.in("r").fetchSockets();
    expect(inRoom.map((s) => s.id).sort()).toEqual([ca.id, cc.id].sort());
    const exceptRoom = await b.io.except("r").fetchSockets();
    expect(exceptRoom.map((s) => s.id)).toEqual([cb.id]);
  });

  it("a remote socket can be emitted to, joined, left and disconnected", async () => {
    const [remote] = await a.io.in(cc.id as string).fetchSockets();
    expect(remote?.id).toBe(cc.id);
    if (remote === undefined) return;
    const got = next(cc, "direct");
    remote.emit("direct", "hi");
    expect(await got).toEqual(["hi"]);

    remote.join("vip");
    await waitFor(async () => (await b.io.in("vip").fetchSockets()).length === 1, "join");
    const vip = next(cc, "vip-news");
    b.io.to("vip").emit("vip-news");
    await vip;

    remote.leave("vip");
    await waitFor(async () => (await b.io.in("vip").fetchSockets()).length === 0, "leave");

    const gone = next(cc, "disconnect");
    remote.disconnect();
    expect((await gone)[0]).toBe("io server disconnect");
  });

  it("a remote socket's ack comes back across servers", async () => {
    cc.on("ask", (q: string, cb: (a: string) => void) => cb(`${q}!`));
    const [remote] = await a.io.in(cc.id as string).fetchSockets();
    const reply = await remote?.timeout(2000).emitWithAck("ask", "why");
    expect(reply).toBe("why!");
  });

  it("socketsJoin, socketsLeave and disconnectSockets act on every server", async () => {
    a.io.in("r").socketsJoin(["x", "y"]);
    await waitFor(async () => (await b.io.in("x").fetchSockets()).length === 2, "join x");
    expect((await b.io.in("y").fetchSockets()).map((s) => s.id).sort()).toEqual(
      [ca.id, cc.id].sort(),
    );

    b.io.in("x").socketsLeave("y");
    await waitFor(async () => (await a.io.in("y").fetchSockets()).length === 0, "leave y");

    const gone = [next(ca, "disconnect"), next(cc, "disconnect")];
    const onB = collect(cb, "disconnect");
    b.io.in("x").disconnectSockets();
    const reasons = (await Promise.all(gone)).map((args) => args[0]);
    expect(reasons).toEqual(["io server disconnect", "io server disconnect"]);
    expect(cb.connected).toBe(true);
    expect(onB).toEqual([]);
  });

  it("disconnectSockets(true) closes remote connections", async () => {
    const gone = next(cc, "disconnect");
    a.io.in(cc.id as string).disconnectSockets(true);
    expect((await gone)[0]).toBe("io server disconnect");
  });

  it("serverSideEmit reaches every other server, and acks collect their replies", async () => {
    const seen: string[] = [];
    a.io.on("ping", (n: number) => seen.push(`a${n}`));
    b.io.on("ping", (n: number) => seen.push(`b${n}`));
    c.io.on("ping", (n: number) => seen.push(`c${n}`));
    b.io.on("ask", (x: number, cb: (r: string) => void) => cb(`b:${x}`));
    c.io.on("ask", (x: number, cb: (r: string) => void) => cb(`c:${x}`));
    a.io.serverSideEmit("ping", 1);
    await waitFor(() => seen.length === 2, "server-side emits");
    expect(seen.sort()).toEqual(["b1", "c1"]);
    const replies = await a.io.serverSideEmitWithAck("ask", 7);
    expect(replies.sort()).toEqual(["b:7", "c:7"]);
  });

  it("broadcast acks count the clients of every server", async () => {
    for (const [s, name] of [
      [ca, "a"],
      [cb, "b"],
      [cc, "c"],
    ] as const) {
      s.on("poll", (cb: (v: string) => void) => cb(name));
    }
    const all = await b.io.timeout(3000).emitWithAck("poll");
    expect(all.sort()).toEqual(["a", "b", "c"]);
    const room = await a.io.to("r").timeout(3000).emitWithAck("poll");
    expect(room.sort()).toEqual(["a", "c"]);
  });

  it("a broadcast ack with a silent client times out with the replies that came", async () => {
    ca.on("poll", (cb: (v: string) => void) => cb("a"));
    cc.on("poll", () => {}); // never answers
    const err = await b.io
      .to("r")
      .timeout(300)
      .emitWithAck("poll")
      .then(
        () => undefined,
        (e: Error & { responses?: unknown[] }) => e,
      );
    expect(err?.responses).toEqual(["a"]);
  });

  it("namespaces are separate clusters on the same channels' prefix", async () => {
    const admin = await connect(c.url, "/admin");
    const onMain = collect(ca, "n");
    const got = next(admin, "n");
    a.io.of("/admin").emit("n", "admin-only");
    expect(await got).toEqual(["admin-only"]);
    const marker = next(ca, "marker");
    a.io.emit("marker");
    await marker;
    expect(onMain).toEqual([]);
  });

  it("binary payloads cross servers intact (Buffer, nested, typed arrays)", async () => {
    const payload = {
      file: Buffer.from([0, 1, 2, 255]),
      nested: { list: [1, Buffer.from("héllo"), { deep: new Uint8Array([9, 8, 7]) }] },
      text: "plain",
    };
    const got = next<[typeof payload, ArrayBuffer]>(cc, "bin");
    a.io.emit("bin", payload, new Uint8Array([42, 43]).buffer);
    const [p, raw] = await got;
    expect(Buffer.from(p.file as unknown as ArrayBuffer)).toEqual(Buffer.from([0, 1, 2, 255]));
    const list = p.nested.list as unknown[];
    expect(list[0]).toBe(1);
    expect(Buffer.from(list[1] as ArrayBuffer).toString()).toBe("héllo");
    const deep = (list[2] as { deep: ArrayBuffer }).deep;
    expect([...new Uint8Array(deep)]).toEqual([9, 8, 7]);
    expect(p.text).toBe("plain");
    expect([...new Uint8Array(raw)]).toEqual([42, 43]);

    let received: unknown[] = [];
    b.io.on("blob", (...args: unknown[]) => {
      received = args;
    });
    a.io.serverSideEmit("blob", new Float64Array([1.5, -2]), { b: Buffer.from([7]) });
    await waitFor(() => received.length === 2, "binary server-side emit");
    expect(received[0]).toBeInstanceOf(Float64Array);
    expect([...(received[0] as Float64Array)]).toEqual([1.5, -2]);
    expect(Buffer.isBuffer((received[1] as { b: unknown }).b)).toBe(true);
  });

  it("a server drops its own messages before decoding them", async () => {
    const seen = vi.spyOn(a.adapter(), "onMessage");
    const got = next(cb, "own");
    a.io.emit("own", Buffer.from([1]));
    a.io.emit("own", "text");
    await got;
    // Redis pushed A's messages to every subscriber when they were published: a message B
    // sends afterwards reaches A after A's own echoes.
    const marker = new Promise<void>((resolve) => a.io.on("marker", () => resolve()));
    b.io.serverSideEmit("marker");
    await marker;
    expect(seen.mock.calls.filter(([m]) => m.uid === a.adapter().uid)).toEqual([]);
    expect(seen.mock.calls.some(([m]) => m.type === "server-side-emit")).toBe(true);
  });

  it("serverCount counts every server; a graceful close is seen at once", async () => {
    expect(await a.adapter().serverCount()).toBe(3);
    await c.close();
    await waitFor(async () => (await a.adapter().serverCount()) === 2, "A to forget C");
    expect(await b.adapter().serverCount()).toBe(2);
  });
});
