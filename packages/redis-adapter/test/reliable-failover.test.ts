import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { RoundRobinProxy } from "./cluster/proxy.js";
import { bundleNode, freePort, killed, startChildNode } from "./fixtures/processes.js";
import {
  describeRedis,
  type Node,
  REDIS_URL,
  redisClient,
  redisReachable,
  startNode,
  uniqueKey,
  waitFor,
} from "./helpers.js";

// Reliable emits (issue 14, item 5 acceptance): every packet whose `socket.reliable.emit`
// resolved reaches the Parley client's app exactly once, across (b) kill -9 of the server
// that stored it (durable sessions: the survivor restores the session and redelivers from
// Redis) and (c) kill -9 of a private, AOF-persisted redis-server in the middle of the stream,
// then of the server. (a), a dropped connection, is packages/server/test/reliable.test.ts.

interface ParleySocket {
  recovered: boolean;
  connected: boolean;
  io: { engine: { close(): void } | undefined };
  connect(): unknown;
  on(event: string, fn: (...args: never[]) => void): unknown;
  disconnect(): unknown;
}
const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient, reliable } = (await import(PARLEY_CLIENT)) as {
  io: (url: string, opts: Record<string, unknown>) => ParleySocket;
  reliable: <S>(socket: S) => S;
};

/**
 * Each case starts a child process and a private redis-server and kills them: on a loaded
 * machine (a full CI run) that alone took past the default 20 s. A safety net, not a measure.
 */
const SLOW_TEST_MS = 90_000;

/** What the killed server promised: each n whose reliable emit resolved. */
function storedBy(child: ChildProcess): Set<number> {
  const stored = new Set<number>();
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on("line", (line) => {
    const parsed = JSON.parse(line) as { stored?: unknown };
    if (typeof parsed.stored === "number") stored.add(parsed.stored);
  });
  return stored;
}

/** A private redis-server with AOF fsynced at every write, its data in `dir`. */
function startPersistentRedis(port: number, dir: string): ChildProcess {
  return spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--dir",
      dir,
    ],
    { stdio: "ignore" },
  );
}

describeRedis("reliable emits: exactly once to the Parley client's app across kill -9", () => {
  let bundle: { file: string; dispose(): void } | undefined;
  let survivor: Node | undefined;
  let victim: ChildProcess | undefined;
  let redis: ChildProcess | undefined;
  let dir: string | undefined;
  let proxy: RoundRobinProxy | undefined;
  let client: ParleySocket | undefined;
  let redisUrl = REDIS_URL;
  let key = "";

  beforeAll(async () => {
    bundle = await bundleNode();
  });
  afterAll(() => bundle?.dispose());

  afterEach(async () => {
    client?.disconnect();
    await proxy?.close();
    await survivor?.close();
    if (victim !== undefined) await killed(victim);
    if (redisUrl === REDIS_URL) {
      const r = await redisClient();
      const found = await r.keys(`${key}-durable#*`);
      if (found.length > 0) await r.del(found);
      await r.close();
    }
    if (redis !== undefined) await killed(redis);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    redis = undefined;
    dir = undefined;
    redisUrl = REDIS_URL;
  });

  /**
   * A child server streaming reliable packets every 3 ms and a survivor (in this process)
   * that streams its own to every restored socket; the Parley client, opted in to dedup,
   * connected to the child through a balancer.
   */
  async function setup(name: string, reconnection = true) {
    key = uniqueKey(name);
    const recovery = { maxDisconnectionDuration: 30_000 };
    survivor = await startNode({
      key,
      redisUrl,
      defaults: true,
      adapter: { durableSessions: true },
      server: { connectionStateRecovery: recovery },
    });
    let sent = 100_000;
    const survivorStored = new Set<number>();
    survivor.io.on("connection", (socket) => {
      if (!socket.recovered) return;
      const timer = setInterval(() => {
        const n = sent++;
        socket.reliable.emit("rel", n).then(
          () => survivorStored.add(n),
          () => {},
        );
        if (sent > 100_040) clearInterval(timer);
      }, 3);
    });
    const child = await startChildNode((bundle as { file: string }).file, {
      REDIS_URL: redisUrl,
      KEY: key,
      RECOVERY: "30000",
      HEARTBEAT: "default",
      DURABLE: "1",
      RELIABLE: "3",
    });
    victim = child.child;
    const stored = storedBy(child.child);
    const s = survivor;
    await waitFor(async () => (await s.adapter().serverCount()) === 2, "the servers to meet");
    proxy = new RoundRobinProxy([Number(new URL(child.url).port), Number(new URL(s.url).port)]);
    proxy.policy = () => 0;
    const url = await proxy.listen();
    const got: number[] = [];
    const c = reliable(
      parleyClient(`${url}/`, {
        forceNew: true,
        reconnection,
        transports: ["websocket"],
        reconnectionDelay: 50,
        reconnectionDelayMax: 50,
      }),
    );
    client = c;
    c.on("rel", ((n: number) => got.push(n)) as never);
    return { child, stored, survivorStored, got, client: c };
  }

  /**
   * Every promised number once, nothing twice, each server's promised numbers in order. (An
   * emit in flight when Redis died may have been stored without being promised: it arrives
   * once too, at the next redelivery, so after later ones.)
   */
  function expectExactlyOnce(got: number[], promised: ReadonlySet<number>[]): void {
    expect(new Set(got).size).toBe(got.length);
    for (const set of promised) {
      for (const n of set) expect(got).toContain(n);
      const inOrder = got.filter((n) => set.has(n));
      expect(inOrder).toEqual([...inOrder].sort((a, b) => a - b));
    }
  }

  it(
    "(b) the server that stored them is killed: the survivor redelivers from Redis",
    async () => {
      const { child, stored, survivorStored, got, client: c } = await setup("reliable-kill", false);
      await waitFor(() => got.length > 30, "the child's stream at the client");
      // The client goes away; the child goes on storing for it (its socket object is the
      // dropped one), then dies: those packets are only in Redis now.
      c.io.engine?.close();
      await waitFor(() => !c.connected, "the client to drop");
      const atDrop = stored.size;
      await waitFor(() => stored.size > atDrop + 30, "the child storing for the absent client");
      await killed(child.child);
      const promised = new Set(stored);
      const delivered = got.length;
      c.connect();
      await waitFor(() => c.connected && c.recovered, "recovery on the survivor", 8000);
      await waitFor(() => survivorStored.size === 41, "the survivor's stream stored");
      await waitFor(
        () => [...promised, ...survivorStored].every((n) => got.includes(n)),
        "every promised packet",
      );
      expectExactlyOnce(got, [promised, survivorStored]);
      expect(got.length - delivered).toBeGreaterThan(30);
      console.info(
        `reliable kill -9: ${promised.size} stored by the killed server, ` +
          `${got.length - delivered} delivered after it died`,
      );
    },
    SLOW_TEST_MS,
  );

  it(
    "(c) Redis is killed and restarts from its AOF, then the server is killed",
    async () => {
      const port = await freePort();
      dir = mkdtempSync(join(tmpdir(), "parley-reliable-redis-"));
      redisUrl = `redis://127.0.0.1:${port}`;
      redis = startPersistentRedis(port, dir);
      await waitFor(() => redisReachable(redisUrl), "private redis-server");
      const { child, stored, survivorStored, got, client: c } = await setup("reliable-aof");
      await waitFor(() => got.length > 30, "the child's stream at the client");

      await killed(redis);
      const before = stored.size;
      redis = startPersistentRedis(port, dir);
      await waitFor(() => redisReachable(redisUrl), "redis-server back");
      // The child's emits waited in its client's queue, or failed (not promised) in flight.
      await waitFor(() => stored.size > before + 30, "the child storing again");
      await waitFor(
        () => got.length > 0 && got.includes(Math.max(...stored)),
        "the client to follow",
      );

      await killed(child.child);
      const promised = new Set(stored);
      await waitFor(() => c.connected && c.recovered, "recovery on the survivor", 10_000);
      await waitFor(() => survivorStored.size === 41, "the survivor's stream stored");
      await waitFor(
        () => [...promised, ...survivorStored].every((n) => got.includes(n)),
        "every promised packet",
      );
      expectExactlyOnce(got, [promised, survivorStored]);
    },
    SLOW_TEST_MS,
  );
});
