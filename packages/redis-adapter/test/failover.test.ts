import type { ChildProcess } from "node:child_process";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { RoundRobinProxy } from "./cluster/proxy.js";
import { bundleNode, type ChildNode, killed, startChildNode } from "./fixtures/processes.js";
import {
  describeRedis,
  type Node,
  REDIS_URL,
  startNode,
  uniqueKey,
  waitFor,
  within,
} from "./helpers.js";

// Fast failover (issue 14): a server process is killed with SIGKILL while its clients, with
// connection state recovery on, are connected through a balancer. The survivor runs the
// adapter's DEFAULT heartbeat and timeouts: these tests hold the defaults to their promise.

// Through a specifier tsc does not follow: the client's sources need the DOM lib.
const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient } = (await import(PARLEY_CLIENT)) as {
  io: (url: string, opts: Record<string, unknown>) => ClientSocket;
};

/** The adapter's default requestsTimeout: what a request waiting on a dead server would take. */
const REQUESTS_TIMEOUT = 5000;

/** A client through the balancer, with the client's default reconnection. */
interface Tracked {
  socket: ClientSocket & { recoveryFailure?: string };
  /** When the Manager last started a reconnection attempt (performance.now()). */
  attemptAt: number;
  /** When the socket last connected. */
  connectedAt: number;
  connects: number;
}

function track(url: string, make = ioc as typeof parleyClient): Promise<Tracked> {
  const socket = make(`${url}/`, { forceNew: true, transports: ["websocket"] });
  const t: Tracked = { socket, attemptAt: 0, connectedAt: 0, connects: 0 };
  socket.io.on("reconnect_attempt", () => {
    t.attemptAt = performance.now();
  });
  socket.on("connect", () => {
    t.connectedAt = performance.now();
    t.connects++;
  });
  // Connected, and holding an offset (the server's first event carries one).
  return new Promise((resolve) => socket.once("node", () => resolve(t)));
}

describeRedis("fast failover after SIGKILL (default heartbeat settings)", () => {
  let bundle: { file: string; dispose(): void } | undefined;
  let survivor: Node | undefined;
  let victim: ChildProcess | undefined;
  let proxy: RoundRobinProxy | undefined;
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    bundle = await bundleNode();
  });
  afterAll(() => bundle?.dispose());

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await proxy?.close();
    await survivor?.close();
    if (victim !== undefined) await killed(victim);
  });

  /** The survivor (in this process), the victim (a child process) and a balancer on both. */
  async function cluster(adapter: { restoreTimeout?: number; heartbeatTimeout?: number } = {}) {
    const key = uniqueKey("failover");
    const lines: { at: number; line: string }[] = [];
    survivor = await startNode({
      key,
      defaults: true,
      adapter: { ...adapter, debug: (line) => lines.push({ at: performance.now(), line }) },
      server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000 } },
    });
    survivor.io.on("connection", (socket) => socket.emit("node", "survivor"));
    const child: ChildNode = await startChildNode((bundle as { file: string }).file, {
      REDIS_URL,
      KEY: key,
      RECOVERY: "30000",
      HEARTBEAT: "default",
    });
    victim = child.child;
    const s = survivor;
    await waitFor(async () => (await s.adapter().serverCount()) === 2, "the servers to meet");
    proxy = new RoundRobinProxy([Number(new URL(child.url).port), Number(new URL(s.url).port)]);
    // Every client starts on the victim; once it refuses connections, the balancer skips it.
    proxy.policy = () => 0;
    const url = await proxy.listen();
    const declaredDead = () =>
      lines.find((l) => l.line.includes(`server ${child.uid} left (heartbeat timeout)`))?.at;
    return { s, child, url, declaredDead };
  }

  it("clients are back on the survivor within 1 s of their reconnect attempt; requests stop waiting at once", async () => {
    const { s, child, url, declaredDead } = await cluster();
    const tracked = await Promise.all(
      Array.from({ length: 10 }, (_, i) => track(url, i < 7 ? undefined : parleyClient)),
    );
    clients.push(...tracked.map((t) => t.socket));
    expect(s.io.of("/").sockets.size).toBe(0);

    const killedAt = performance.now();
    const dying = killed(child.child);
    // Requests made the instant the server dies: both wait for it (it is alive as far as the
    // survivor knows), and must complete when it is declared dead, not at requestsTimeout
    // (5 s: fetchSockets would reject, serverSideEmitWithAck too).
    const asked = s.io.serverSideEmitWithAck("ask");
    await dying;
    const fetched = s.io.fetchSockets();
    await waitFor(() => s.adapter().requestsAwaiting(child.uid) === 2, "both requests to be out");

    await within(asked, "serverSideEmitWithAck after the crash", 4000);
    await within(fetched, "fetchSockets after the crash", 4000);
    const deadAt = declaredDead();
    expect(deadAt).toBeDefined();
    // Nothing waits on a server declared dead, and liveness detection meets its default bound.
    expect(s.adapter().requestsAwaiting(child.uid)).toBe(0);
    const detection = (deadAt as number) - killedAt;
    // The targets (detection <= 2 s, failover <= 1 s) are printed below, not asserted: a
    // wall-clock bound fails on a busy shared machine. What would break them by design is
    // waiting for requestsTimeout (5 s) on a dead server; that is asserted.
    expect(detection).toBeLessThan(REQUESTS_TIMEOUT);

    await waitFor(() => tracked.every((t) => t.connects === 2), "every client to fail over", 8000);
    const delays = tracked.map((t) => t.connectedAt - t.attemptAt);
    for (const [i, t] of tracked.entries()) {
      expect(t.socket.recovered).toBe(false); // its session died with its server
      expect(t.attemptAt).toBeGreaterThan(killedAt);
      // Parley clients are told why: its holder did not answer, or was already known dead.
      if (i >= 7)
        expect(["holder_unreachable", "session_unknown"]).toContain(t.socket.recoveryFailure);
    }
    // restoreTimeout (500 ms) is the worst case by construction; nothing waited requestsTimeout.
    expect(Math.max(...delays)).toBeLessThan(REQUESTS_TIMEOUT);
    expect(s.io.of("/").sockets.size).toBe(10);
    console.info(
      `failover: dead declared after ${detection.toFixed(0)} ms; reconnect attempt → connected ` +
        `max ${Math.max(...delays).toFixed(0)} ms, min ${Math.min(...delays).toFixed(0)} ms`,
    );
  });

  it("a restore for a session whose holder is dead but not yet declared dead is bounded by restoreTimeout", async () => {
    // Liveness made slow on purpose (20 s): only the restore bound can let the clients in.
    const { s, child, url } = await cluster({ heartbeatTimeout: 20_000, restoreTimeout: 300 });
    const tracked = await Promise.all(
      Array.from({ length: 3 }, (_, i) => track(url, i === 0 ? parleyClient : undefined)),
    );
    clients.push(...tracked.map((t) => t.socket));
    await killed(child.child);
    await waitFor(() => tracked.every((t) => t.connects === 2), "every client to fail over", 8000);
    // Every client got a fresh session while the survivor still counted the victim alive.
    expect(await s.adapter().serverCount()).toBe(2);
    for (const t of tracked) expect(t.socket.recovered).toBe(false);
    expect(tracked[0]?.socket.recoveryFailure).toBe("holder_unreachable");
    expect(s.adapter().requestsAwaiting()).toBe(0);
  });
});
