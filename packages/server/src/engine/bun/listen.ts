import type { EngineOptions } from "../options.js";
import { BunEngine } from "./bun-engine.js";
import { type BunServer, bunRuntime } from "./bun-runtime.js";

/** Whether this process runs on Bun, where `io.listen(port)` serves through `Bun.serve`. */
export function onBun(): boolean {
  return bunRuntime() !== undefined;
}

/**
 * `io.listen(port)` on Bun: a `Bun.serve` server of its own on `port`, with the engine (and
 * the client bundles, once the server binds it) under its path, and 404 for anything else, as
 * the Node server `listen` creates.
 */
export function listenOnBun(
  port: number | string,
  options: EngineOptions,
): { engine: BunEngine; server: BunServer } {
  const bun = bunRuntime();
  if (bun === undefined) throw new Error("listenOnBun() needs the Bun runtime");
  const engine = new BunEngine(options);
  const server = bun.serve({ ...engine.handler(), port });
  return { engine, server };
}
