// The session relay (attachSessionRelay) across runtimes: a Parley server on Node and one on
// Bun, on one Redis, behind a balancer that sends every request naming a session to the node
// that does NOT own it. So each relayed request crosses runtimes: Node edge → Bun owner (the
// tunnel reaches Bun.serve over loopback) and Bun edge → Node owner (the Bun edge writes
// HTTP and WebSocket frames through the tunnel itself). The Bun server is
// test/bun/fixtures/relay-app.ts, run by the bun binary against the BUILT packages.
import { fileURLToPath } from "node:url";
import { attachSessionRelay, type RedisSessionRelay } from "@parley/redis-adapter";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { RoundRobinProxy } from "../../packages/redis-adapter/test/cluster/proxy.js";
import { type Node, startNode, waitFor } from "../../packages/redis-adapter/test/helpers.js";
import { within } from "../support/app-clients.js";
import { describeBun, startBunServer } from "../support/bun.js";
import type { ServerProcess } from "../support/server-process.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";

const APP = fileURLToPath(new URL("./fixtures/relay-app.ts", import.meta.url));
const redis = await describeRedis();
const bunDescribe = describeBun();
const describe = redis === bunDescribe ? redis : bunDescribe.skip;

interface RelayReport {
  nodeId: string;
  stats: RedisSessionRelay["stats"];
  live: string[];
}

let node: Node;
let relay: RedisSessionRelay;
let bun: ServerProcess;
let proxy: RoundRobinProxy;
let url: string;
const clients: ClientSocket[] = [];

function sidOf(socket: ClientSocket): string {
  return (socket.io.engine as unknown as { id: string }).id;
}

function connect(transports?: ("polling" | "websocket")[]): Promise<ClientSocket> {
  const socket = ioc(url, {
    forceNew: true,
    reconnection: false,
    ...(transports === undefined ? {} : { transports }),
  });
  clients.push(socket);
  return within(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    }),
    "a client connecting through the balancer",
  );
}

const BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Acks (text, binary) and a broadcast through the adapter, `rounds` times; fails on loss. */
async function exercise(socket: ClientSocket, rounds: number): Promise<void> {
  const tag = Math.random().toString(36).slice(2);
  const heard: number[] = [];
  socket.on("heard", (v: { tag: string; round: number }) => {
    if (v.tag === tag) heard.push(v.round);
  });
  let disconnected: string | null = null;
  socket.on("disconnect", (reason) => {
    disconnected = reason;
  });
  for (let round = 0; round < rounds; round++) {
    const text = await socket.timeout(3000).emitWithAck("echo", { round, text: "héllo ✓" });
    expect(text).toEqual({ round, text: "héllo ✓" });
    const bin = (await socket.timeout(3000).emitWithAck("echo", BYTES)) as Buffer;
    expect(Buffer.from(bin).equals(BYTES)).toBe(true);
    socket.emit("shout", { tag, round });
  }
  await waitFor(() => heard.length === rounds, "every broadcast to come back", 5000);
  expect(heard).toEqual([...Array(rounds).keys()]);
  expect(disconnected).toBeNull();
}

/** The Bun node's relay, asked over a socket whose session it owns. */
function bunReport(socket: ClientSocket): Promise<RelayReport> {
  return socket.timeout(3000).emitWithAck("relay") as Promise<RelayReport>;
}

describe("session relay between a Node server and a Bun server (no sticky sessions)", () => {
  beforeAll(async () => {
    const key = uniqueName("parley_bun_relay");
    node = await startNode({
      key,
      redisUrl: REDIS_URL,
      server: { pingInterval: 5000, pingTimeout: 5000 },
    });
    relay = attachSessionRelay(node.io, {
      pubClient: node.pub,
      subClient: node.sub,
      key,
      heartbeatInterval: 100,
      heartbeatTimeout: 400,
    });
    await relay.ready;
    node.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
      socket.on("shout", (value: unknown) => node.io.emit("heard", value));
    });
    bun = await startBunServer(APP, { REDIS_URL, KEY: key });
    await waitFor(() => relay.liveNodes().length === 1, "the two relays to see each other", 5000);
    proxy = new RoundRobinProxy([Number(new URL(node.url).port), bun.port]);
    // Never the owner: every request naming a session is relayed.
    proxy.policy = (_kind, req) => {
      const sid = new URL(req.url ?? "/", "http://x").searchParams.get("sid");
      if (sid === null) return undefined;
      return sid.startsWith(relay.nodeId) ? 1 : 0;
    };
    url = await proxy.listen();
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  afterAll(async () => {
    await proxy?.close();
    await bun?.kill();
    await relay?.close();
    await node?.close();
  });

  it("long-polling: every request lands on the other runtime and is relayed, both ways", async () => {
    const sockets = await Promise.all([1, 2, 3, 4].map(() => connect(["polling"])));
    const owners = sockets.map((s) => (sidOf(s).startsWith(relay.nodeId) ? "node" : "bun"));
    // The handshakes went round robin: both runtimes own sessions.
    expect(new Set(owners)).toEqual(new Set(["node", "bun"]));
    const before = { out: relay.stats.requestsOut, in: relay.stats.tunnelsIn };
    await Promise.all(sockets.map((s) => exercise(s, 8)));
    for (const s of sockets) expect(s.io.engine.transport.name).toBe("polling");
    // Node relayed the Bun-owned sessions' requests, and served the Node-owned ones that Bun
    // relayed to it.
    expect(relay.stats.requestsOut - before.out).toBeGreaterThan(10);
    expect(relay.stats.tunnelsIn - before.in).toBeGreaterThan(10);
    const report = await bunReport(sockets[owners.indexOf("bun")] as ClientSocket);
    expect(report.stats.requestsOut).toBeGreaterThan(10);
    expect(report.stats.tunnelsIn).toBeGreaterThan(10);
    console.log("relay stats: node %j, bun %j", relay.stats, report.stats);
  });

  it("polling, then the upgrade to WebSocket, through the node that does not own the session", async () => {
    const upgradesBefore = relay.stats.upgradesOut;
    const sockets = await Promise.all([1, 2, 3, 4].map(() => connect()));
    await waitFor(
      () => sockets.every((s) => s.io.engine.transport.name === "websocket"),
      "every client to upgrade",
      8000,
    );
    const owners = sockets.map((s) => (sidOf(s).startsWith(relay.nodeId) ? "node" : "bun"));
    expect(new Set(owners)).toEqual(new Set(["node", "bun"]));
    await Promise.all(sockets.map((s) => exercise(s, 8)));
    for (const s of sockets) expect(s.io.engine.transport.name).toBe("websocket");
    const nodeOwned = owners.filter((o) => o === "node").length;
    // Node relayed the upgrades of Bun's sessions; Bun relayed those of Node's.
    expect(relay.stats.upgradesOut - upgradesBefore).toBe(owners.length - nodeOwned);
    const report = await bunReport(sockets[owners.indexOf("bun")] as ClientSocket);
    expect(report.stats.upgradesOut).toBe(nodeOwned);
    // The owner has the WebSocket transport, on Node too.
    for (const [i, s] of sockets.entries()) {
      if (owners[i] !== "node") continue;
      const conn = (
        node.io.engine.clients as unknown as Map<string, { transport: { name: string } }>
      ).get(sidOf(s));
      expect(conn?.transport.name).toBe("websocket");
    }
  });

  // Last: it shuts the Bun server down.
  it("io.close() on Bun closes its session relay: the Node relay hears it leave", async () => {
    expect(relay.liveNodes()).toHaveLength(1);
    const direct = ioc(bun.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    clients.push(direct);
    await within(new Promise((r) => direct.once("connect", () => r(null))), "a direct client");
    direct.emit("shutdown");
    // A relay left open would go on heartbeating for as long as the process lives.
    await waitFor(() => relay.liveNodes().length === 0, "the Bun relay to leave", 10_000);
  });
});

describe("session relay between two Bun servers (no sticky sessions)", () => {
  let buns: ServerProcess[] = [];
  /** A WebSocket client straight to each Bun server (never relayed), to ask its relay. */
  let direct: ClientSocket[] = [];
  let nodeIds: string[] = [];
  let pair: RoundRobinProxy;

  const report = (i: number) =>
    (direct[i] as ClientSocket).timeout(3000).emitWithAck("relay") as Promise<RelayReport>;

  beforeAll(async () => {
    const key = uniqueName("parley_bun_bun_relay");
    buns = [
      await startBunServer(APP, { REDIS_URL, KEY: key }),
      await startBunServer(APP, { REDIS_URL, KEY: key }),
    ];
    direct = buns.map((b) =>
      ioc(b.url, { forceNew: true, reconnection: false, transports: ["websocket"] }),
    );
    await within(
      Promise.all(direct.map((c) => new Promise((r) => c.once("connect", () => r(c))))),
      "a direct client on each Bun server",
    );
    nodeIds = await Promise.all([0, 1].map(async (i) => (await report(i)).nodeId));
    await waitFor(
      async () => (await report(0)).live.length === 1 && (await report(1)).live.length === 1,
      "the two Bun relays to see each other",
      5000,
    );
    pair = new RoundRobinProxy(buns.map((b) => b.port));
    pair.policy = (_kind, req) => {
      const sid = new URL(req.url ?? "/", "http://x").searchParams.get("sid");
      if (sid === null) return undefined;
      return sid.startsWith(nodeIds[0] as string) ? 1 : 0;
    };
    url = await pair.listen();
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  afterAll(async () => {
    for (const c of direct) c.disconnect();
    await pair?.close();
    await Promise.all(buns.map((b) => b.kill()));
  });

  it("long-polling and the upgrade, every request and upgrade relayed Bun to Bun", async () => {
    const polling = await Promise.all([1, 2, 3, 4].map(() => connect(["polling"])));
    const upgrading = await Promise.all([1, 2].map(() => connect()));
    await waitFor(
      () => upgrading.every((s) => s.io.engine.transport.name === "websocket"),
      "the upgrades",
      8000,
    );
    const all = [...polling, ...upgrading];
    const owners = all.map((s) => nodeIds.findIndex((id) => sidOf(s).startsWith(id)));
    expect(new Set(owners.slice(0, 4))).toEqual(new Set([0, 1]));
    await Promise.all(all.map((s) => exercise(s, 6)));
    for (const s of polling) expect(s.io.engine.transport.name).toBe("polling");
    for (const s of upgrading) expect(s.io.engine.transport.name).toBe("websocket");
    const [a, b] = [await report(0), await report(1)];
    console.log("bun relay stats: %j, %j", a.stats, b.stats);
    for (const r of [a, b]) {
      expect(r.stats.requestsOut).toBeGreaterThan(10);
      expect(r.stats.tunnelsIn).toBeGreaterThan(10);
    }
    // Each upgrade went through the Bun server that does not own its session.
    expect(a.stats.upgradesOut + b.stats.upgradesOut).toBe(upgrading.length);
  });
});
