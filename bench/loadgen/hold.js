// Idle connections for the memory scenario: open `count`, report, then hold them (answering
// pings) until the orchestrator says release.

import { cpuMeter } from "./cpu.js";
import { closeAll, openMany } from "./pool.js";

/**
 * @param {{ urls: string[], count: number, concurrency: number, firstId: number,
 *   localAddress?: string }} params
 * @param {(event: string) => Promise<unknown>} mark  resolves when the orchestrator is done
 *   measuring (the answer to the "held" mark)
 */
export async function hold(params, mark) {
  const cpu = cpuMeter();
  const pool = await openMany({
    urls: params.urls,
    count: params.count,
    concurrency: params.concurrency,
    timeoutMs: 30_000,
    deadlineMs: 180_000,
    localAddress: params.localAddress,
    firstId: params.firstId,
  });
  const loadgenCpu = cpu.stop();
  const summary = {
    connected: pool.clients.length,
    connectFailed: pool.failed,
    connectErrors: pool.errors,
    elapsedMs: pool.elapsedMs,
    loadgenCpu,
  };
  await mark(`held:${JSON.stringify(summary)}`);
  const stillOpen = pool.clients.filter((client) => client.connected).length;
  await closeAll(pool.clients);
  return { ...summary, stillOpenAtRelease: stillOpen };
}
