// Broadcast fan-out: one client asks the server to broadcast; every client (the sender too)
// receives each broadcast. Throughput is deliveries per second inside a timed window; loss and
// order are checked per client afterwards.
//
// Flow control keeps at most `window` broadcasts in flight (sent but not yet delivered to every
// client), so the server is kept busy without building an unbounded backlog: the numbers are a
// sustained rate, not a burst into buffers.

import { performance } from "node:perf_hooks";
import { readUint, startsWith } from "./client.js";
import { cpuMeter } from "./cpu.js";
import { closeAll, openMany } from "./pool.js";

const MSG_PREFIX = Buffer.from('42["msg",');

/**
 * @param {{ urls: string[], clients: number, window: number, warmupMs: number, measureMs: number,
 *   drainMs: number, padding: number, concurrency: number, localAddress?: string }} params
 * @param {(event: string) => Promise<unknown>} mark  asks the orchestrator to note a moment
 *   (it samples the server's CPU time there)
 */
export async function broadcast(params, mark) {
  const { clients: n, window, warmupMs, measureMs, drainMs, padding } = params;
  let delivered = 0;
  let sent = 0;
  let sending = true;
  let threshold = 0;
  const pad = JSON.stringify("x".repeat(padding));

  const onEvent = (
    /** @type {import("./client.js").BenchClient} */ client,
    /** @type {Buffer} */ data,
  ) => {
    if (!startsWith(data, MSG_PREFIX)) return;
    const seq = readUint(data, MSG_PREFIX.length);
    // A gap shows up later as a missing count; going backwards is a reorder or a duplicate.
    if (seq < client.next) client.disorder++;
    else client.next = seq + 1;
    client.count++;
    delivered++;
    if (sending && delivered >= threshold) pump();
  };

  const pool = await openMany({
    urls: params.urls,
    count: n,
    concurrency: params.concurrency,
    timeoutMs: 20_000,
    deadlineMs: 120_000,
    localAddress: params.localAddress,
    onEvent,
  });
  if (pool.clients.length === 0) {
    return { error: `no client connected (${pool.errors.join("; ")})`, failed: pool.failed };
  }
  const receivers = pool.clients.length;
  const sender = /** @type {import("./client.js").BenchClient} */ (pool.clients[0]).ws;

  function pump() {
    // In flight = sent·N − delivered; keep it under window·N.
    while (sending && sent * receivers - delivered < window * receivers) {
      sender.send(`42["bench:broadcast",${sent},${pad}]`);
      sent++;
    }
    threshold = (sent - window + 1) * receivers;
  }

  const cpu = cpuMeter();
  const t0 = performance.now();
  pump();
  await sleep(warmupMs);

  // Marks only tell the orchestrator to sample the server's CPU; the window itself is timed
  // here, so a slow answer never stretches or shifts it.
  const serverSampled = mark("measure-start");
  const startDelivered = delivered;
  const startAt = performance.now();
  cpu.start();
  await sleep(measureMs);
  const endDelivered = delivered;
  const endAt = performance.now();
  const loadgenCpu = cpu.stop();
  sending = false;
  await serverSampled;
  await mark("measure-end");

  // Drain: everything sent must reach every client.
  const expected = sent * receivers;
  const drainStart = performance.now();
  while (delivered < expected && performance.now() - drainStart < drainMs) await sleep(20);

  let lost = 0;
  let clientsMissing = 0;
  let disorder = 0;
  for (const client of pool.clients) {
    const missing = sent - client.count;
    if (missing > 0) {
      lost += missing;
      clientsMissing++;
    }
    disorder += client.disorder;
  }
  const seconds = (endAt - startAt) / 1000;
  const result = {
    clients: receivers,
    connectFailed: pool.failed,
    connectErrors: pool.errors,
    broadcastsSent: sent,
    deliveriesPerSec: (endDelivered - startDelivered) / seconds,
    broadcastsPerSec: (endDelivered - startDelivered) / receivers / seconds,
    lost,
    clientsMissing,
    disorder,
    drained: delivered >= expected,
    drainMs: performance.now() - drainStart,
    totalMs: performance.now() - t0,
    loadgenCpu,
  };
  await closeAll(pool.clients);
  return result;
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
