import type { Server } from "@parley/server";
import type { SessionRelayOptions } from "./options.js";
import { type NodeRelayableEngine, RedisSessionRelay, type RelayableEngine } from "./relay.js";

export type { SessionRelayOptions, SessionRelayStats } from "./options.js";
export {
  type BunRelayableEngine,
  type NodeRelayableEngine,
  RedisSessionRelay,
  type RelayableEngine,
} from "./relay.js";
export { TunnelError, type TunnelErrorCode } from "./tunnel.js";

function isRelayable(value: unknown): value is RelayableEngine {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Partial<Record<keyof NodeRelayableEngine | "server", unknown>>;
  const common =
    typeof e.setSessionRelay === "function" &&
    typeof e.generateId === "function" &&
    typeof e.options === "object";
  // A Node engine takes relayed HTTP and upgrades; a Bun engine has its Bun.serve server.
  const node = typeof e.handleRequest === "function" && typeof e.handleUpgrade === "function";
  return common && (node || "server" in e);
}

/**
 * Lets this server's sessions be served whichever node of the cluster each HTTP request
 * lands on (no sticky sessions): `attachSessionRelay(io, { pubClient, subClient })`, after
 * `io` is attached to its HTTP server, on every node. Closed with `relay.close()`, or when
 * the HTTP server closes (on Bun: with `io.close()`). See `RedisSessionRelay`.
 */
export function attachSessionRelay(
  target: Pick<Server, "engine" | "httpServer"> | RelayableEngine,
  options: SessionRelayOptions,
): RedisSessionRelay {
  const engine = isRelayable(target) ? target : (target as Pick<Server, "engine">).engine;
  if (!isRelayable(engine)) {
    throw new TypeError(
      "attachSessionRelay needs a Parley Server attached to an HTTP server, or listening on Bun (io.engine), or a Parley Engine or BunEngine",
    );
  }
  const relay = new RedisSessionRelay(engine, options);
  if (!isRelayable(target)) {
    target.httpServer?.once("close", () => {
      void relay.close();
    });
  }
  return relay;
}
