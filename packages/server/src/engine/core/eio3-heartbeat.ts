import type { CoreOptions } from "./options.js";

/**
 * The Engine.IO v3 heartbeat runs the other way round from v4: the client sends `ping` every
 * `pingInterval` and the server answers `pong`. The server sends no pings; each client ping
 * (re)starts one deadline of `pingInterval + pingTimeout` (engine.io's), and a session whose
 * deadline passes is closed with "ping timeout". A `pong` from a v3 client, like a `ping`
 * from a v4 one, is a protocol violation. The session (`session.ts`) branches on its
 * `protocol` only where a heartbeat packet or deadline is handled, never per message.
 */
export function v3Deadline(options: Pick<CoreOptions, "pingInterval" | "pingTimeout">): number {
  return options.pingInterval + options.pingTimeout;
}

export function invalidHeartbeat(): Error {
  return new Error("invalid heartbeat direction");
}
