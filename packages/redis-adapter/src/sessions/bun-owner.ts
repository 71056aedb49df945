import { connect } from "node:net";
import type { Tunnel } from "./tunnel.js";

/** Where a Bun engine listens (its `Bun.serve` server, as `engine.server` gives it). */
export interface BunListener {
  readonly port: number;
  readonly hostname: string;
}

/**
 * The owner's half on Bun: a relayed connection is handed to the engine's own `Bun.serve` over
 * a loopback TCP connection, byte for byte. Bun's server cannot be given a stream the way
 * Node's `server.emit("connection", tunnel)` is, and this way it serves relayed polling
 * requests and WebSocket upgrades exactly as direct ones (its native WebSocket included). The
 * request can never be relayed again: its sid is this node's. A TLS-only server is not reached
 * this way (plain TCP): relay behind TLS termination.
 */
export function acceptOnBun(tunnel: Tunnel, server: BunListener | null): void {
  if (server === null) {
    // Nothing served yet, so no session of ours can be named: the edge answers "unknown".
    tunnel.destroy();
    return;
  }
  const host =
    server.hostname === "" || server.hostname === "0.0.0.0"
      ? "127.0.0.1"
      : server.hostname === "::"
        ? "::1"
        : server.hostname;
  const socket = connect(server.port, host);
  socket.setNoDelay(true);
  socket.on("error", () => tunnel.destroy());
  socket.on("close", () => tunnel.destroy());
  tunnel.on("close", () => socket.destroy());
  tunnel.pipe(socket);
  socket.pipe(tunnel);
}
