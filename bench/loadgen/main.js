// Load generator process. The orchestrator (bench/run.js) forks it with an IPC channel, pinned
// to its own core, and sends one `run` command; the workload reports back through `mark`
// messages (which the orchestrator answers, e.g. after sampling the server's CPU time) and one
// final `result`. The process then exits; every workload bounds its own time.

import { broadcast } from "./broadcast.js";
import { connectRate } from "./connect-rate.js";
import { echo } from "./echo.js";
import { hold } from "./hold.js";

/** @type {Record<string, (params: any, mark: (event: string) => Promise<unknown>) => Promise<object>>} */
const workloads = { broadcast, echo, "connect-rate": connectRate, hold };

if (typeof process.send !== "function") {
  console.error("bench/loadgen/main.js is started by bench/run.js (it needs an IPC channel)");
  process.exit(2);
}
const send = process.send.bind(process);

let markSeq = 0;
/** @type {Map<number, (value: unknown) => void>} */
const pendingMarks = new Map();

/** @param {string} event */
function mark(event) {
  const id = ++markSeq;
  return new Promise((resolve) => {
    pendingMarks.set(id, resolve);
    send({ type: "mark", id, event });
  });
}

process.on("message", (/** @type {any} */ message) => {
  if (message.type === "mark-ack") {
    pendingMarks.get(message.id)?.(message.value);
    pendingMarks.delete(message.id);
  } else if (message.type === "run") {
    const workload = workloads[message.workload];
    if (workload === undefined) {
      send({ type: "result", result: { error: `unknown workload ${message.workload}` } });
      return;
    }
    workload(message.params, mark).then(
      (result) => send({ type: "result", result }, () => process.exit(0)),
      (/** @type {Error} */ error) =>
        send({ type: "result", result: { error: error.stack ?? String(error) } }, () =>
          process.exit(0),
        ),
    );
  }
});
process.on("disconnect", () => process.exit(0));
