// Memory per idle connection: server RSS and heap after a forced full GC, at each step of
// connection counts, minus the same figures with zero connections. One server process climbs
// the steps (e.g. 10k then 20k); each step's connections come from their own load generator,
// each with its own source address, so no process nears its descriptor limit and no source
// address runs out of ephemeral ports.

import { runLoadgen } from "../lib/loadgen.js";
import { control } from "../lib/processes.js";
import { sleep, socketUrl, withTarget } from "../lib/with-target.js";

/**
 * @param {import("../targets/registry.js").TargetSpec} spec
 * @param {{ steps: number[], concurrency: number, localAddresses: () => string }} options
 */
export async function memoryScenario(spec, options) {
  /** @type {(() => void)[]} */
  const releases = [];
  /** @type {Promise<unknown>[]} */
  const runs = [];
  try {
    return await withTarget(spec, async (target) => {
      await sleep(300);
      const baseline = await control(target, "/mem");
      /** @type {object[]} */
      const steps = [];
      let held = 0;
      for (const total of options.steps) {
        const count = total - held;
        if (count <= 0) continue;
        const step = await holdMore(target, count, held, options, releases, runs);
        held += step.connected;
        await sleep(500);
        const mem = await control(target, "/mem");
        const connections = mem.clients;
        steps.push({
          requested: total,
          connections,
          loadgenConnected: held,
          connectFailed: step.connectFailed,
          connectErrors: step.connectErrors,
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          rssPerConn: connections > 0 ? (mem.rss - baseline.rss) / connections : Number.NaN,
          heapPerConn:
            connections > 0 ? (mem.heapUsed - baseline.heapUsed) / connections : Number.NaN,
          externalPerConn:
            connections > 0 ? (mem.external - baseline.external) / connections : Number.NaN,
          loadgenCpu: step.loadgenCpu,
        });
        if (step.connected < count) break;
      }
      return { baseline: { rss: baseline.rss, heapUsed: baseline.heapUsed }, steps };
    });
  } finally {
    // The server is gone by now (withTarget stopped it); the load generators only have to
    // notice and exit.
    for (const release of releases) release();
    await Promise.allSettled(runs);
  }
}

/**
 * Starts one more load generator holding `count` connections; resolves with its summary once
 * they are all open. The connections stay open until the returned release is called.
 * @param {import("../lib/processes.js").RunningTarget} target
 * @param {number} count
 * @param {number} firstId
 * @param {{ concurrency: number, localAddresses: () => string }} options
 * @param {(() => void)[]} releases
 * @param {Promise<unknown>[]} runs
 * @returns {Promise<any>}
 */
function holdMore(target, count, firstId, options, releases, runs) {
  return new Promise((resolve, reject) => {
    /** @type {Promise<void>} */
    const released = new Promise((release) => releases.push(() => release()));
    const run = runLoadgen(
      "hold",
      {
        urls: [socketUrl(target)],
        count,
        firstId,
        concurrency: options.concurrency,
        localAddress: options.localAddresses(),
      },
      {
        timeoutMs: 300_000,
        onMark: async (event) => {
          if (!event.startsWith("held:")) return undefined;
          resolve(JSON.parse(event.slice("held:".length)));
          await released;
          return undefined;
        },
      },
    );
    runs.push(run.catch(() => undefined));
    run.then(
      (result) => resolve(result),
      (error) => reject(error),
    );
  });
}
