import { afterEach, expect, it } from "vitest";
import { namespaceChannel } from "../src/index.js";
import {
  closeClients,
  connect,
  describeRedis,
  type Node,
  type NodeOptions,
  type Redis,
  redisClient,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

/**
 * A server that only heartbeats: it counts as alive, and never answers a request. Stopping
 * it is a server dying without a word (the way a SIGKILLed process goes).
 */
async function ghost(key: string): Promise<{ stop(): void; redis: Redis }> {
  const redis = await redisClient();
  const channel = namespaceChannel(key, "/");
  const beat = () =>
    void redis.sPublish(channel, JSON.stringify({ type: "heartbeat", uid: "ghost", nsp: "/" }));
  beat();
  const timer = setInterval(beat, 100);
  return {
    redis,
    stop: () => clearInterval(timer),
  };
}

describeRedis("liveness: requests wait only for live servers", () => {
  let nodes: Node[] = [];
  let redis: Redis | undefined;
  afterEach(async () => {
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
    redis?.destroy();
    redis = undefined;
  });

  /** A and B, plus a ghost that A and B count as a third server. */
  async function withGhost(adapter: NodeOptions["adapter"] = {}) {
    const key = uniqueKey("liveness");
    nodes = await startCluster(2, { key, adapter });
    const [a, b] = nodes as [Node, Node];
    const g = await ghost(key);
    redis = g.redis;
    await waitFor(async () => (await a.adapter().serverCount()) === 3, "A to count the ghost");
    const cb = await connect(b.url);
    return { a, b, cb, ghost: g };
  }

  // requestsTimeout is long (10 s): these requests complete only because the ghost is
  // declared dead (400 ms without heartbeat); a timeout would reject them instead.
  const LONG = { requestsTimeout: 10_000 };

  it("fetchSockets completes once a silent server is declared dead", async () => {
    const { a, cb, ghost } = await withGhost(LONG);
    const pending = a.io.fetchSockets();
    ghost.stop();
    const sockets = await pending;
    expect(sockets.map((s) => s.id)).toEqual([cb.id]);
    expect(await a.adapter().serverCount()).toBe(2);
  });

  it("serverSideEmitWithAck completes with the live servers' replies", async () => {
    const { a, b, ghost } = await withGhost(LONG);
    b.io.on("ask", (cb: (r: string) => void) => cb("from b"));
    const pending = a.io.serverSideEmitWithAck("ask");
    ghost.stop();
    expect(await pending).toEqual(["from b"]);
  });

  it("a broadcast ack does not wait for the clients of a dead server", async () => {
    const { a, cb, ghost } = await withGhost(LONG);
    cb.on("poll", (ack: (v: string) => void) => ack("b's client"));
    const pending = a.io.timeout(10_000).emitWithAck("poll");
    ghost.stop();
    expect(await pending).toEqual(["b's client"]);
  });

  it("a slow server makes fetchSockets reject at the timeout by default", async () => {
    const { a, ghost } = await withGhost({ requestsTimeout: 300 });
    await expect(a.io.fetchSockets()).rejects.toThrow(/timeout reached/);
    await expect(a.io.serverSideEmitWithAck("ask")).rejects.toMatchObject({ responses: [] });
    ghost.stop();
  });

  it("partialResults: a slow server's share is left out instead", async () => {
    const { a, b, cb, ghost } = await withGhost({ requestsTimeout: 300, partialResults: true });
    b.io.on("ask", (ack: (r: string) => void) => ack("from b"));
    const sockets = await a.io.fetchSockets();
    expect(sockets.map((s) => s.id)).toEqual([cb.id]);
    expect(await a.io.serverSideEmitWithAck("ask")).toEqual(["from b"]);
    ghost.stop();
  });

  it("a gracefully closing server is dropped from pending requests at once (adapter-close)", async () => {
    const key = uniqueKey("liveness");
    nodes = await startCluster(3, { key, adapter: LONG });
    const [a, b, c] = nodes as [Node, Node, Node];
    b.io.on("ask", (ack: (r: string) => void) => ack("from b"));
    let asked = false;
    c.io.on("ask", () => {
      asked = true; // and never answers
    });
    const pending = a.io.serverSideEmitWithAck("ask");
    await waitFor(() => asked, "C to be asked");
    await c.close();
    expect(await pending).toEqual(["from b"]);
  });
});
