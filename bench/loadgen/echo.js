// Echo latency at a fixed offered rate: each client sends `42["echo",<t>]`, where t is the send
// time in integer microseconds, and the server answers with the same arguments. The round trip
// is read back from the reply's bytes. The schedule is global and spread over time (a 1 ms tick
// sends whatever is due, round-robin across clients), so latency is not inflated by the load
// generator sending everything in one burst.

import { performance } from "node:perf_hooks";
import { readUint, startsWith } from "./client.js";
import { cpuMeter } from "./cpu.js";
import { closeAll, openMany } from "./pool.js";

const ECHO_PREFIX = Buffer.from('42["echo",');

/**
 * @param {{ urls: string[], clients: number, ratePerClient: number, warmupMs: number,
 *   measureMs: number, concurrency: number, localAddress?: string }} params
 * @param {(event: string) => Promise<unknown>} mark
 */
export async function echo(params, mark) {
  const { clients: n, ratePerClient, warmupMs, measureMs } = params;
  const totalRate = n * ratePerClient;
  const samples = new Float64Array(Math.ceil((totalRate * measureMs) / 1000) + 1024);
  let recorded = 0;
  let recording = false;
  let received = 0;

  const onEvent = (
    /** @type {import("./client.js").BenchClient} */ client,
    /** @type {Buffer} */ data,
  ) => {
    if (!startsWith(data, ECHO_PREFIX)) return;
    const sentUs = readUint(data, ECHO_PREFIX.length);
    client.count++;
    received++;
    if (recording && recorded < samples.length) {
      samples[recorded++] = performance.now() * 1000 - sentUs;
    }
  };

  const pool = await openMany({
    urls: params.urls,
    count: n,
    concurrency: params.concurrency,
    timeoutMs: 20_000,
    deadlineMs: 60_000,
    localAddress: params.localAddress,
    onEvent,
  });
  if (pool.clients.length === 0) {
    return { error: `no client connected (${pool.errors.join("; ")})`, failed: pool.failed };
  }
  const clients = pool.clients;
  let scheduled = 0;
  let sent = 0;
  let sendsSkipped = 0;
  let cursor = 0;
  const begin = performance.now();
  const tick = setInterval(() => {
    const due = Math.floor(((performance.now() - begin) * totalRate) / 1000);
    // Cap a single catch-up so a stalled loop cannot flood the server afterwards.
    const owed = due - scheduled;
    const burst = Math.min(owed, Math.max(1, Math.ceil(totalRate / 100)));
    for (let i = 0; i < burst; i++) {
      const client = /** @type {import("./client.js").BenchClient} */ (clients[cursor]);
      cursor = cursor + 1 === clients.length ? 0 : cursor + 1;
      client.ws.send(`42["echo",${Math.round(performance.now() * 1000)}]`);
    }
    sent += burst;
    sendsSkipped += owed - burst; // sends skipped after a stall are not owed later
    scheduled = due;
  }, 1);

  const cpu = cpuMeter();
  await sleep(warmupMs);
  const serverSampled = mark("measure-start");
  const sentAtStart = sent;
  cpu.start();
  recording = true;
  await sleep(measureMs);
  recording = false;
  const loadgenCpu = cpu.stop();
  const sentInWindow = sent - sentAtStart;
  await serverSampled;
  await mark("measure-end");
  clearInterval(tick);

  // Wait (bounded) for the replies still in flight.
  const drainStart = performance.now();
  while (received < sent && performance.now() - drainStart < 3000) await sleep(10);

  const latencies = samples.subarray(0, recorded).sort();
  const pick = (/** @type {number} */ q) =>
    latencies.length === 0
      ? Number.NaN
      : /** @type {number} */ (
          latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
        ) / 1000;
  const result = {
    clients: clients.length,
    connectFailed: pool.failed,
    offeredPerSec: totalRate,
    achievedPerSec: (sentInWindow * 1000) / measureMs,
    samples: recorded,
    p50Ms: pick(0.5),
    p90Ms: pick(0.9),
    p99Ms: pick(0.99),
    p999Ms: pick(0.999),
    maxMs: (latencies.at(-1) ?? Number.NaN) / 1000,
    sendsSkipped,
    lost: sent - received,
    loadgenCpu,
  };
  await closeAll(clients);
  return result;
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
