// Broadcast fan-out: deliveries per second with N clients, every message checked per client.

import { runLoadgen } from "../lib/loadgen.js";
import { serverCpuSampler } from "../lib/server-cpu.js";
import { socketUrl, withTarget } from "../lib/with-target.js";

/**
 * @param {import("../targets/registry.js").TargetSpec} spec
 * @param {{ clients: number, warmupMs: number, measureMs: number }} options
 */
export function broadcastScenario(spec, options) {
  return withTarget(spec, async (target) => {
    const cpu = serverCpuSampler([target]);
    const result = await runLoadgen(
      "broadcast",
      {
        urls: [socketUrl(target)],
        clients: options.clients,
        // Enough broadcasts in flight to keep the server busy; bounded so nothing piles up.
        window: Math.max(4, Math.ceil(20_000 / options.clients)),
        warmupMs: options.warmupMs,
        measureMs: options.measureMs,
        drainMs: 15_000,
        padding: 40,
        concurrency: 100,
      },
      { timeoutMs: 240_000, onMark: cpu.onMark },
    );
    return { ...result, serverCpu: cpu.percents()?.[0], coreBusy: cpu.cores() };
  });
}
