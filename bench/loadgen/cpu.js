// CPU time of the load generator itself, to show it is not the bottleneck.

import { performance } from "node:perf_hooks";

/**
 * A meter over one window. `percent` is CPU time over wall time: 100 means one full core busy.
 * A load generator near 100 % is saturated and its numbers are a floor, not the server's limit.
 */
export function cpuMeter() {
  let usage = process.cpuUsage();
  let at = performance.now();
  return {
    start() {
      usage = process.cpuUsage();
      at = performance.now();
    },
    stop() {
      const used = process.cpuUsage(usage);
      const wallMs = performance.now() - at;
      const cpuMs = (used.user + used.system) / 1000;
      return {
        userMs: used.user / 1000,
        systemMs: used.system / 1000,
        wallMs,
        percent: (100 * cpuMs) / wallMs,
      };
    },
  };
}
