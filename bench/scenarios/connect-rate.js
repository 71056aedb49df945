// Connection rate: completed Socket.IO connections per second with a fixed number in flight.

import { runLoadgen } from "../lib/loadgen.js";
import { serverCpuSampler } from "../lib/server-cpu.js";
import { socketUrl, withTarget } from "../lib/with-target.js";

/**
 * @param {import("../targets/registry.js").TargetSpec} spec
 * @param {{ count: number, concurrency: number }} options
 */
export function connectRateScenario(spec, options) {
  return withTarget(spec, async (target) => {
    const cpu = serverCpuSampler([target]);
    const result = await runLoadgen(
      "connect-rate",
      { urls: [socketUrl(target)], ...options },
      { timeoutMs: 180_000, onMark: cpu.onMark },
    );
    return { ...result, serverCpu: cpu.percents()?.[0], coreBusy: cpu.cores() };
  });
}
