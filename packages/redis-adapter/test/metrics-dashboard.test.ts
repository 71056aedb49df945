import { attachDashboard, type ParleyDashboard } from "@parley/server/dashboard";
import { attachMetrics, type ParleyMetrics } from "@parley/server/metrics";
import { Registry } from "prom-client";
import { afterEach, expect, it } from "vitest";
import { namespaceChannel } from "../src/index.js";
import {
  closeClients,
  connect,
  describeRedis,
  type Node,
  type Redis,
  redisClient,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

/** A server that only heartbeats: alive to the others, and it never answers a request. */
async function ghost(key: string): Promise<{ stop(): void; redis: Redis }> {
  const redis = await redisClient();
  const channel = namespaceChannel(key, "/");
  const beat = () =>
    void redis.sPublish(channel, JSON.stringify({ type: "heartbeat", uid: "ghost", nsp: "/" }));
  beat();
  const timer = setInterval(beat, 100);
  return { redis, stop: () => clearInterval(timer) };
}

const CREDENTIAL = "redis-dashboard-credential";
const bearer = { authorization: `Bearer ${CREDENTIAL}` };

describeRedis("metrics and dashboard on the Redis adapter", () => {
  let nodes: Node[] = [];
  let redis: Redis | undefined;
  let metrics: ParleyMetrics | undefined;
  const dashboards: ParleyDashboard[] = [];
  afterEach(async () => {
    metrics?.close();
    for (const d of dashboards.splice(0)) d.close();
    closeClients();
    await Promise.all(nodes.map((n) => n.close()));
    redis?.destroy();
    redis = undefined;
  });

  it("a request a silent server never answers is counted as timed out; the dashboard shows who answered", async () => {
    const key = uniqueKey("metrics");
    nodes = await startCluster(2, { key, adapter: { requestsTimeout: 600 } });
    const [a, b] = nodes as [Node, Node];
    metrics = attachMetrics(a.io, { registry: new Registry() });
    dashboards.push(attachDashboard(a.io, { credential: CREDENTIAL, nodeId: "a" }));
    dashboards.push(attachDashboard(b.io, { credential: CREDENTIAL, nodeId: "b" }));
    const g = await ghost(key);
    redis = g.redis;
    await waitFor(async () => (await a.adapter().serverCount()) === 3, "A to count the ghost");
    const cb = await connect(b.url);

    await expect(a.io.fetchSockets()).rejects.toThrow(
      /timeout reached: only 1 responses received out of 2/,
    );
    const stats = (await (
      await fetch(`${a.url}/parley-dashboard/api/stats?cluster=1`, { headers: bearer })
    ).json()) as {
      nodes: { node: string; sockets: { id: string }[] }[];
      missing?: string;
    };
    expect(stats.nodes.map((n) => n.node)).toEqual(["a", "b"]);
    expect(stats.nodes[1]?.sockets.map((s) => s.id)).toEqual([cb.id]);
    expect(stats.missing).toMatch(/timeout reached/);

    const text = await (await fetch(`${a.url}/metrics`)).text();
    expect(text).toContain('parley_adapter_requests_total{namespace="/",type="fetch-sockets"} 1');
    expect(text).toContain(
      'parley_adapter_request_timeouts_total{namespace="/",type="fetch-sockets"} 1',
    );
    expect(text).toContain(
      'parley_adapter_requests_total{namespace="/",type="server-side-emit"} 1',
    );
    expect(text).toContain(
      'parley_adapter_request_timeouts_total{namespace="/",type="server-side-emit"} 1',
    );

    // Once the silent server is declared dead, nothing waits for it: no timeout, nothing missing.
    g.stop();
    await waitFor(async () => (await a.adapter().serverCount()) === 2, "the ghost declared dead");
    const after = (await (
      await fetch(`${a.url}/parley-dashboard/api/stats?cluster=1`, { headers: bearer })
    ).json()) as {
      nodes: unknown[];
      missing?: string;
    };
    expect(after.nodes).toHaveLength(2);
    expect(after.missing).toBeUndefined();
    const later = await (await fetch(`${a.url}/metrics`)).text();
    expect(later).toContain(
      'parley_adapter_requests_total{namespace="/",type="server-side-emit"} 2',
    );
    expect(later).toContain(
      'parley_adapter_request_timeouts_total{namespace="/",type="server-side-emit"} 1',
    );
  });
});
