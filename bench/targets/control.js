// The control endpoint every target runs beside its real server, on its own port, so the
// measurements never depend on how a framework treats foreign requests on its own port:
//   GET /mem    forced full GC, then process.memoryUsage()
//   GET /stats  connected client count and process.cpuUsage()
// Runs on Node (started with --expose-gc) and on Bun (Bun.gc).

import { createServer } from "node:http";
import { getHeapSpaceStatistics } from "node:v8";

/** Full, synchronous collection on whichever runtime we are on. */
function collect() {
  const bun = /** @type {{ Bun?: { gc(force: boolean): void } }} */ (globalThis).Bun;
  const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;
  for (let i = 0; i < 3; i++) {
    if (bun !== undefined) bun.gc(true);
    else if (gc !== undefined) gc();
  }
}

/**
 * Committed bytes of each V8 heap space (Node only): shows how much of an RSS step is the young
 * generation V8 grew during a burst of allocations, which a forced GC does not give back.
 * @returns {Record<string, number> | undefined}
 */
function heapSpaces() {
  if (/** @type {{ Bun?: unknown }} */ (globalThis).Bun !== undefined) return undefined;
  /** @type {Record<string, number>} */
  const spaces = {};
  for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = space.space_size;
  return spaces;
}

/**
 * Starts the control server and prints the ready line the orchestrator waits for.
 * @param {{ port: number, clients: () => number, name: string }} target
 */
export function announceReady(target) {
  // Exit normally on SIGTERM so `node --cpu-prof` can write its profile.
  process.on("SIGTERM", () => process.exit(0));
  const control = createServer((req, res) => {
    let body;
    if (req.url === "/mem") {
      collect();
      const mem = process.memoryUsage();
      body = {
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        heapTotal: mem.heapTotal,
        external: mem.external,
        arrayBuffers: mem.arrayBuffers,
        spaces: heapSpaces(),
        gc:
          /** @type {{ gc?: unknown, Bun?: unknown }} */ (globalThis).gc !== undefined ||
          /** @type {{ Bun?: unknown }} */ (globalThis).Bun !== undefined,
        clients: target.clients(),
      };
    } else if (req.url === "/stats") {
      body = { clients: target.clients(), cpu: process.cpuUsage() };
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  control.listen(0, "127.0.0.1", () => {
    const address = control.address();
    const controlPort = typeof address === "object" && address !== null ? address.port : 0;
    process.stdout.write(
      `${JSON.stringify({ ready: true, name: target.name, port: target.port, control: controlPort })}\n`,
    );
  });
}
