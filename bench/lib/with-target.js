// Each (scenario, target) pair gets a fresh server process on a fresh port: no state or memory
// carries over from one measurement to the next, and the TIME_WAIT sockets a measurement leaves
// behind (4-tuples with the old port) never take ephemeral ports from the next one.

import { startTarget, stopTarget } from "./processes.js";

/**
 * @template T
 * @param {import("../targets/registry.js").TargetSpec} spec
 * @param {(target: import("./processes.js").RunningTarget) => Promise<T>} body
 * @returns {Promise<T>}
 */
export async function withTarget(spec, body) {
  const target = await startTarget(spec);
  try {
    return await body(target);
  } finally {
    await stopTarget(target);
  }
}

/** @param {{ port: number }} target */
export function socketUrl(target) {
  return `ws://127.0.0.1:${target.port}/socket.io/?EIO=4&transport=websocket`;
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
