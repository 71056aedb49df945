// Memory per idle connection: server RSS and heap after a forced full GC, at each step of
// connection counts, minus the same figures with zero connections, both read once the server
// has settled (see `settle`). One server process climbs
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
      const baseline = await settle(target);
      /** @type {object[]} */
      const steps = [];
      let held = 0;
      for (const total of options.steps) {
        const count = total - held;
        if (count <= 0) continue;
        const step = await holdMore(target, count, held, options, releases, runs);
        held += step.connected;
        await sleep(500);
        // Right after the burst of handshakes, and again once V8 gave back what it grew for it.
        const early = await control(target, "/mem");
        const mem = await settle(target);
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
          earlyRssPerConn:
            early.clients > 0 ? (early.rss - baseline.rss) / early.clients : Number.NaN,
          settled: mem.settled,
          settleMs: mem.settleMs,
          loadgenCpu: step.loadgenCpu,
          heapSpaces: mem.spaces,
        });
        if (step.connected < count) break;
      }
      return {
        baseline: { rss: baseline.rss, heapUsed: baseline.heapUsed, heapSpaces: baseline.spaces },
        steps,
      };
    });
  } finally {
    // The server is gone by now (withTarget stopped it); the load generators only have to
    // notice and exit.
    for (const release of releases) release();
    await Promise.allSettled(runs);
  }
}

/** A young generation this small (or smaller) has been given back: see `settle`. */
const SETTLED_NEW_SPACE = 2 * 1024 * 1024;
const SETTLE_LIMIT_MS = 20_000;

/**
 * Reads `/mem` (forced full GCs) once the server has settled. A burst of allocations (10k
 * handshakes) makes V8 grow its young generation to its maximum (2 × 16 MiB semi-spaces); a
 * forced GC empties it but keeps it committed, so right after the burst every Node server's RSS
 * carries ~28 MiB that is not per-connection state at all (2.8 KiB "per connection" at 10k).
 * V8's memory reducer gives it back a few seconds later once allocation goes quiet, which is
 * the state a server holding idle connections spends its life in. So: poll every second until
 * the young generation is back to ≤ 2 MiB, at most 20 s (`settled: false` in the JSON then).
 * Runtimes without V8 space statistics (Bun) are read after a fixed 2 s.
 * @param {import("../lib/processes.js").RunningTarget} target
 * @returns {Promise<any>}
 */
async function settle(target) {
  const start = Date.now();
  for (;;) {
    const mem = await control(target, "/mem");
    const elapsed = Date.now() - start;
    const newSpace = mem.spaces?.new_space;
    const settled = newSpace === undefined ? elapsed >= 2000 : newSpace <= SETTLED_NEW_SPACE;
    if (settled || elapsed >= SETTLE_LIMIT_MS) return { ...mem, settled, settleMs: elapsed };
    await sleep(1000);
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
