// Opens many clients with a bounded number of handshakes in flight.

import { performance } from "node:perf_hooks";
import { openClient } from "./client.js";

/**
 * @typedef {import("./client.js").BenchClient} BenchClient
 * @typedef {object} PoolResult
 * @property {BenchClient[]} clients   the clients that connected, in id order of completion
 * @property {number} failed           handshakes that failed or timed out
 * @property {string[]} errors         the first few distinct failure messages
 * @property {number} elapsedMs        from the first attempt to the last settled one
 * @property {number[]} connectMs      per-client handshake time (socket open to `40` answer)
 */

/**
 * @param {{ urls: string[], count: number, concurrency: number, timeoutMs: number,
 *   deadlineMs: number, localAddress?: string | undefined, firstId?: number,
 *   onEvent?: (client: BenchClient, data: Buffer) => void }} options
 * @returns {Promise<PoolResult>}
 */
export function openMany(options) {
  const { urls, count, concurrency, timeoutMs, deadlineMs, localAddress, onEvent } = options;
  const firstId = options.firstId ?? 0;
  /** @type {BenchClient[]} */
  const clients = [];
  /** @type {number[]} */
  const connectMs = [];
  /** @type {Set<string>} */
  const errors = new Set();
  let started = 0;
  let settled = 0;
  let failed = 0;
  const start = performance.now();

  return new Promise((resolve) => {
    const finish = () =>
      resolve({
        clients,
        failed,
        errors: [...errors].slice(0, 5),
        elapsedMs: performance.now() - start,
        connectMs,
      });
    if (count === 0) {
      finish();
      return;
    }
    const launch = () => {
      // Past the deadline, stop starting new handshakes; the remainder count as failed.
      if (performance.now() - start > deadlineMs) {
        failed += count - started;
        settled += count - started;
        started = count;
        if (settled === count) finish();
        return;
      }
      const id = firstId + started++;
      // Several servers (the cluster scenario): clients are spread round-robin across them.
      const url = /** @type {string} */ (urls[id % urls.length]);
      const t0 = performance.now();
      openClient({ url, id, localAddress, timeoutMs, onEvent }).then(
        (client) => {
          connectMs.push(performance.now() - t0);
          clients.push(client);
          done();
        },
        (/** @type {Error} */ error) => {
          failed++;
          errors.add(error.message);
          done();
        },
      );
    };
    const done = () => {
      settled++;
      if (settled === count) finish();
      else if (started < count) launch();
    };
    for (let i = 0; i < Math.min(concurrency, count); i++) launch();
  });
}

/**
 * Closes every client and waits (bounded) for the sockets to finish closing.
 * @param {BenchClient[]} clients
 * @param {number} timeoutMs
 */
export async function closeAll(clients, timeoutMs = 5000) {
  for (const client of clients) client.ws.terminate();
  const pending = clients.map((client) => client.ws.closed);
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, timeoutMs))]);
}
