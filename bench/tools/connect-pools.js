// What the connect tools share (connect-cpu, connect-perf, connect-profile, thread-cpu,
// trace-target): a target named or given by path, and the two pools of Socket.IO connections
// they open against it — a warm-up (WARM=n, default 300) and the measured one.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { socketUrl } from "../lib/with-target.js";
import { openMany } from "../loadgen/pool.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** bench/targets/<name>.js, or `name` itself when it is a path to a script. */
export function targetScript(name) {
  return name.endsWith(".js") ? name : join(HERE, "..", "targets", `${name}.js`);
}

/** The warm-up connections (JIT and pools settle before the measured window). */
export function openWarmUp(target) {
  return openMany({
    urls: [socketUrl(target)],
    count: Number(process.env.WARM ?? 300),
    concurrency: 50,
    timeoutMs: 30_000,
    deadlineMs: 60_000,
  });
}

/** `count` measured connections, 100 handshakes in flight (as the connect scenario). */
export function openMeasured(target, count) {
  return openMany({
    urls: [socketUrl(target)],
    count,
    concurrency: 100,
    timeoutMs: 30_000,
    deadlineMs: 120_000,
  });
}
