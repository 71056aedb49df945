// Echo latency at a fixed offered rate (clients × rate per client).

import { runLoadgen } from "../lib/loadgen.js";
import { serverCpuSampler } from "../lib/server-cpu.js";
import { socketUrl, withTarget } from "../lib/with-target.js";

/**
 * @param {import("../targets/registry.js").TargetSpec} spec
 * @param {{ clients: number, ratePerClient: number, warmupMs: number, measureMs: number }} options
 */
export function echoScenario(spec, options) {
  return withTarget(spec, async (target) => {
    const cpu = serverCpuSampler([target]);
    const result = await runLoadgen(
      "echo",
      { urls: [socketUrl(target)], concurrency: 100, ...options },
      { timeoutMs: 120_000, onMark: cpu.onMark },
    );
    return { ...result, serverCpu: cpu.percents()?.[0], coreBusy: cpu.cores() };
  });
}
