import { parse as parseQuery } from "node:querystring";
import type { EngineConnection } from "./engine/contract.js";
import type { Handshake } from "./socket-types.js";

/**
 * Builds `socket.handshake` from the Engine.IO session's request, the CONNECT payload and the
 * time the socket connected (`issued`, ms since the epoch). Sockets call it on first read, so
 * a socket whose handshake nobody reads never holds one.
 */
export function buildHandshake(
  conn: EngineConnection,
  auth: Record<string, unknown>,
  issued: number,
): Handshake {
  // The compact record: reading `conn.request` would rebuild an IncomingMessage.
  const request = conn.handshakeRequest;
  const url = request.url;
  const queryStart = url.indexOf("?");
  return {
    headers: request.headers,
    time: new Date(issued).toString(),
    address: conn.remoteAddress,
    xdomain: request.headers.origin !== undefined,
    secure: request.secure,
    issued,
    url,
    query: parseQuery(queryStart === -1 ? "" : url.slice(queryStart + 1)),
    auth,
  };
}
