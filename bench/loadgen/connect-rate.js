// Connection rate: complete `count` Socket.IO connections (WebSocket upgrade, Engine.IO OPEN,
// namespace CONNECT answered) with `concurrency` handshakes in flight. Connections stay open
// until the end, so later handshakes meet a server that already holds the earlier ones.

import { cpuMeter } from "./cpu.js";
import { closeAll, openMany } from "./pool.js";

/**
 * @param {{ urls: string[], count: number, concurrency: number, localAddress?: string }} params
 * @param {(event: string) => Promise<unknown>} mark
 */
export async function connectRate(params, mark) {
  const serverSampled = mark("measure-start");
  const cpu = cpuMeter();
  const pool = await openMany({
    urls: params.urls,
    count: params.count,
    concurrency: params.concurrency,
    timeoutMs: 20_000,
    deadlineMs: 120_000,
    localAddress: params.localAddress,
  });
  const loadgenCpu = cpu.stop();
  await serverSampled;
  await mark("measure-end");
  const times = Float64Array.from(pool.connectMs).sort();
  const pick = (/** @type {number} */ q) =>
    times.length === 0
      ? Number.NaN
      : times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const result = {
    connected: pool.clients.length,
    connectFailed: pool.failed,
    connectErrors: pool.errors,
    elapsedMs: pool.elapsedMs,
    connectsPerSec: (pool.clients.length * 1000) / pool.elapsedMs,
    handshakeP50Ms: pick(0.5),
    handshakeP99Ms: pick(0.99),
    loadgenCpu,
  };
  await closeAll(pool.clients);
  return result;
}
