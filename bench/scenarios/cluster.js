// Cross-node broadcast: two server processes joined by a Redis adapter, clients spread across
// both, one client broadcasting. Every delivery to the other node's clients has crossed Redis.
// Both nodes share the server core (the load generator keeps its own); Redis runs wherever it
// already runs.

import { connect } from "node:net";
import { runLoadgen } from "../lib/loadgen.js";
import { startTarget, stopTarget } from "../lib/processes.js";
import { serverCpuSampler } from "../lib/server-cpu.js";
import { socketUrl } from "../lib/with-target.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Resolves true when something accepts TCP connections at REDIS_URL's host and port. */
export function redisReachable() {
  const url = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * @param {{ command: string, args: string[] }} spec  one cluster node
 * @param {{ clients: number, warmupMs: number, measureMs: number, nodes: number }} options
 */
export async function clusterScenario(spec, options) {
  const env = { REDIS_URL, BENCH_CHANNEL: `parley-bench-${process.pid}-${Date.now()}` };
  /** @type {import("../lib/processes.js").RunningTarget[]} */
  const nodes = [];
  try {
    for (let i = 0; i < options.nodes; i++) nodes.push(await startTarget({ ...spec, env }));
    const cpu = serverCpuSampler(nodes);
    const result = await runLoadgen(
      "broadcast",
      {
        urls: nodes.map(socketUrl),
        clients: options.clients,
        window: Math.max(4, Math.ceil(20_000 / options.clients)),
        warmupMs: options.warmupMs,
        measureMs: options.measureMs,
        drainMs: 15_000,
        padding: 40,
        concurrency: 100,
      },
      { timeoutMs: 180_000, onMark: cpu.onMark },
    );
    return { ...result, nodes: options.nodes, serverCpu: cpu.percents(), coreBusy: cpu.cores() };
  } finally {
    for (const node of nodes) await stopTarget(node);
  }
}
