import type { Socket as ServerSocket } from "@parley/server";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, beforeEach, expect, it } from "vitest";
import { RoundRobinProxy } from "./cluster/proxy.js";
import {
  collect,
  describeRedis,
  type Node,
  next,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

// Connection state recovery with two servers behind a balancer: the session stays on the
// server the socket left, and the client comes back through the other one.

describeRedis.each(["static", "dynamic"] as const)(
  "connection state recovery across servers (subscriptionMode %s)",
  (subscriptionMode) => {
    let nodes: Node[] = [];
    let a: Node;
    let b: Node;
    let proxy: RoundRobinProxy;
    let url: string;
    /** The backend the balancer sends the next WebSocket to. */
    let target = 0;

    beforeEach(async () => {
      nodes = await startCluster(2, {
        key: uniqueKey("recovery"),
        adapter: { subscriptionMode },
        server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000 } },
      });
      [a, b] = nodes as [Node, Node];
      for (const node of nodes) {
        node.io.on("connection", async (socket) => {
          if (!socket.recovered) {
            socket.data = { user: socket.handshake.auth.user };
            await socket.join("r");
          }
          // A quiet client gets nothing (so no offset) until it comes back.
          if (socket.handshake.auth.quiet === undefined || socket.recovered) socket.emit("ready");
        });
      }
      target = 0;
      proxy = new RoundRobinProxy(nodes.map((n) => Number(new URL(n.url).port)));
      proxy.policy = (kind) => (kind === "upgrade" ? target : undefined);
      url = await proxy.listen();
    });

    const clients: ClientSocket[] = [];

    /** A client through the balancer, resolved once the server's "ready" arrived. */
    async function join(auth: Record<string, string>): Promise<ClientSocket> {
      const client = ioc(`${url}/`, {
        forceNew: true,
        reconnection: false,
        transports: ["websocket"],
        autoConnect: false,
        auth,
      });
      clients.push(client);
      const ready = next(client, "ready");
      client.connect();
      await ready;
      return client;
    }

    /** Reconnects a client whose connection dropped, resolved on the server's "ready". */
    async function rejoin(client: ClientSocket): Promise<void> {
      const ready = next(client, "ready");
      client.connect();
      await ready;
    }

    afterEach(async () => {
      for (const client of clients.splice(0)) client.disconnect();
      await proxy.close();
      await Promise.all(nodes.map((n) => n.close()));
    });

    /** A client on A that has received one broadcast (so it holds an offset). */
    async function clientOnA(): Promise<{ client: ClientSocket; got: unknown[][] }> {
      const client = await join({ user: "ana" });
      const got = collect(client, "news");
      await waitFor(() => a.io.of("/").sockets.size === 1, "the socket on A");
      a.io.to("r").emit("news", 1);
      await waitFor(() => got.length === 1, "the first broadcast");
      return { client, got };
    }

    /**
     * Drops A's side of the connection the way a network failure would (no close frame), and
     * waits until both ends noticed: A has persisted the session, the client is disconnected.
     */
    async function dropOnA(client: ClientSocket): Promise<string> {
      const [socket] = [...a.io.of("/").sockets.values()] as [ServerSocket];
      const gone = next<[string]>(socket, "disconnect");
      socket.conn.request.socket.destroy();
      const [reason] = await gone;
      await waitFor(() => !client.connected, "the client to notice");
      return reason;
    }

    it("a client that comes back through the other server gets its id, rooms, data and every packet it missed", async () => {
      const { client, got } = await clientOnA();
      const firstId = client.id;
      target = 1;
      expect(await dropOnA(client)).toBe("transport close");

      // While it is away: from the server it will reach, from the one it left, to everyone,
      // and to a room it is not in.
      b.io.to("r").emit("news", 2);
      a.io.to("r").emit("news", 3);
      a.io.emit("news", 4);
      b.io.to("elsewhere").emit("news", "not for ana");

      await rejoin(client);
      expect(client.recovered).toBe(true);
      expect(client.id).toBe(firstId);
      expect(proxy.upgrades).toEqual([1, 1]);

      const [restored] = [...b.io.of("/").sockets.values()] as [ServerSocket];
      expect(restored.id).toBe(firstId);
      expect(restored.recovered).toBe(true);
      expect([...restored.rooms].sort()).toEqual([firstId, "r"].sort());
      expect(restored.data).toEqual({ user: "ana" });

      await waitFor(() => got.length >= 4, "the missed packets");
      // Live again, through B: once, after what was missed.
      b.io.to("r").emit("news", 5);
      await waitFor(() => got.length >= 5, "a live broadcast");
      const values = got.map((args) => args[0]);
      // Each missed packet once. Packets from different servers have no common order (A
      // stored its own before B's reached it through Redis); those of one server keep theirs.
      expect([...values].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(values.indexOf(3)).toBeLessThan(values.indexOf(4));
      expect([values[0], values[4]]).toEqual([1, 5]);
    });

    it("a client that had received nothing (no offset) comes back through the other server with what its rooms were sent", async () => {
      const client = ioc(`${url}/`, {
        forceNew: true,
        reconnection: false,
        transports: ["websocket"],
        autoConnect: false,
        auth: { user: "bo", quiet: "1" },
      });
      clients.push(client);
      const got = collect(client, "news");
      const connected = next(client, "connect");
      client.connect();
      await connected;
      await waitFor(() => a.io.of("/").adapter.rooms.get("r")?.size === 1, "the socket in r on A");
      const firstId = client.id;
      target = 1;
      expect(await dropOnA(client)).toBe("transport close");
      expect(got).toEqual([]);
      b.io.to("r").emit("news", 1);
      a.io.to("r").emit("news", 2);
      b.io.to("elsewhere").emit("news", "not for bo");

      await rejoin(client);
      expect(client.recovered).toBe(true);
      expect(client.id).toBe(firstId);
      const [restored] = [...b.io.of("/").sockets.values()] as [ServerSocket];
      expect(restored.recovered).toBe(true);
      expect(restored.data).toEqual({ user: "bo" });
      await waitFor(() => got.length >= 2, "the missed packets");
      b.io.to("r").emit("news", 3);
      await waitFor(() => got.length >= 3, "a live broadcast");
      expect(got.map((args) => args[0]).sort()).toEqual([1, 2, 3]);
    });

    it("a client that comes back to the same server gets what other servers sent its rooms meanwhile", async () => {
      const { client, got } = await clientOnA();
      await dropOnA(client);
      // A has no member of "r" left: with room channels it would stop hearing the room.
      b.io.to("r").emit("news", 2);
      b.io.to("r").emit("news", 3);
      await rejoin(client);
      expect(client.recovered).toBe(true);
      expect(proxy.upgrades).toEqual([2, 0]);
      await waitFor(() => got.length >= 3, "the missed packets");
      a.io.to("r").emit("news", 4);
      await waitFor(() => got.length >= 4, "a live broadcast");
      expect(got.map((args) => args[0])).toEqual([1, 2, 3, 4]);
    });

    it("a session is handed over once: a second client with the same pid and offset starts afresh", async () => {
      const { client } = await clientOnA();
      const { _pid: pid, _lastOffset: offset } = client as unknown as {
        _pid: string;
        _lastOffset: string;
      };
      expect(typeof pid).toBe("string");
      target = 1;
      await dropOnA(client);
      await rejoin(client);
      expect(client.recovered).toBe(true);

      // The session now lives on B's socket; nobody holds it for a second taker.
      target = 0;
      const thief = await join({ user: "eve", pid, offset });
      expect(thief.recovered).toBe(false);
      expect(thief.id).not.toBe(client.id);
    });

    it("an unknown session is answered by every server and the client starts afresh", async () => {
      target = 1;
      const client = await join({ user: "bo", pid: "no-such-session", offset: "nope.0" });
      expect(client.recovered).toBe(false);
      const [socket] = [...b.io.of("/").sockets.values()] as [ServerSocket];
      expect(socket.recovered).toBe(false);
      expect(socket.data).toEqual({ user: "bo" });
    });

    it("when the server that held the session has left the cluster, the client starts afresh", async () => {
      const { client } = await clientOnA();
      const firstId = client.id;
      target = 1;
      await dropOnA(client);
      await a.close();
      await waitFor(async () => (await b.adapter().serverCount()) === 1, "B to be alone");

      await rejoin(client);
      expect(client.recovered).toBe(false);
      expect(client.id).not.toBe(firstId);
    });
  },
);

describeRedis("room channels held for sessions awaiting recovery", () => {
  let nodes: Node[] = [];
  let key: string;

  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });

  /** Servers subscribed to a room's channel, classic or sharded Pub/Sub alike. */
  async function subscribers(node: Node, room: string): Promise<number> {
    const channel = `${key}#/#${room}#`;
    const count = async (command: string) =>
      Number(((await node.pub.sendCommand(["PUBSUB", command, channel])) as unknown[])[1]);
    return (await count("NUMSUB")) + (await count("SHARDNUMSUB"));
  }

  it("keeps a dropped socket's rooms subscribed for the recovery window, then lets them go", async () => {
    key = uniqueKey("holds");
    nodes = await startCluster(1, {
      key,
      server: { connectionStateRecovery: { maxDisconnectionDuration: 400 } },
    });
    const [a] = nodes as [Node];
    a.io.on("connection", (socket) => socket.join("r"));
    const client = ioc(a.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    await waitFor(() => a.io.of("/").sockets.size === 1, "the socket");
    await waitFor(async () => (await subscribers(a, "r")) === 1, "the room channel");

    const [socket] = [...a.io.of("/").sockets.values()] as [ServerSocket];
    socket.conn.request.socket.destroy();
    await waitFor(() => a.io.of("/").sockets.size === 0, "the disconnect");
    expect(await subscribers(a, "r")).toBe(1);
    // Past the window the session is gone, and so is the subscription.
    await waitFor(async () => (await subscribers(a, "r")) === 0, "the room channel to go");
    client.disconnect();
  });

  it("without connection state recovery, a room's channel goes with its last member", async () => {
    key = uniqueKey("holds-off");
    nodes = await startCluster(1, { key });
    const [a] = nodes as [Node];
    a.io.on("connection", (socket) => socket.join("r"));
    const client = ioc(a.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    await waitFor(async () => (await subscribers(a, "r")) === 1, "the room channel");
    const [socket] = [...a.io.of("/").sockets.values()] as [ServerSocket];
    socket.conn.request.socket.destroy();
    await waitFor(async () => (await subscribers(a, "r")) === 0, "the room channel to go");
    client.disconnect();
  });
});
