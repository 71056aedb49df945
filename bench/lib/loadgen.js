// Runs one workload in a load-generator child process and relays its marks.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LOADGEN_CORE, spawnPinned, stopChild } from "./processes.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "loadgen", "main.js");

/**
 * @param {string} workload
 * @param {object} params
 * @param {{ timeoutMs: number, onMark?: (event: string) => Promise<unknown> | unknown }} options
 *   `onMark` runs when the workload marks a moment; its value is sent back to the workload.
 * @returns {Promise<any>} the workload's result object
 */
export function runLoadgen(workload, params, options) {
  // A larger young generation: the load generator allocates a Buffer per received frame, and
  // fewer scavenges keep its own CPU time (and jitter) down. It does not change any target.
  const child = spawnPinned(LOADGEN_CORE, process.execPath, ["--max-semi-space-size=32", MAIN], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (/** @type {() => void} */ settle) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      settle();
      stopChild(child);
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`${workload} load generator timed out`))),
      options.timeoutMs,
    );
    child.on("message", async (/** @type {any} */ message) => {
      if (message.type === "mark") {
        let value;
        try {
          value = await options.onMark?.(message.event);
        } catch (error) {
          value = { error: String(error) };
        }
        if (child.connected) child.send({ type: "mark-ack", id: message.id, value });
      } else if (message.type === "result") {
        finish(() => resolve(message.result));
      }
    });
    child.once("exit", (code) =>
      finish(() => reject(new Error(`${workload} load generator exited (${code}) early`))),
    );
    child.send({ type: "run", workload, params });
  });
}
