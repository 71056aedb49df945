import { parse as parseQuery } from "node:querystring";
import type { TLSSocket } from "node:tls";
import type { EngineConnection } from "./engine/contract.js";
import type { Handshake } from "./socket-types.js";

/** Builds `socket.handshake` from the Engine.IO session's request and the CONNECT payload. */
export function buildHandshake(conn: EngineConnection, auth: Record<string, unknown>): Handshake {
  const request = conn.request;
  const url = request.url ?? "/";
  const queryStart = url.indexOf("?");
  const now = new Date();
  return {
    headers: request.headers,
    time: now.toString(),
    address: conn.remoteAddress,
    xdomain: request.headers.origin !== undefined,
    secure: (request.socket as TLSSocket | undefined)?.encrypted === true,
    issued: now.getTime(),
    url,
    query: parseQuery(queryStart === -1 ? "" : url.slice(queryStart + 1)),
    auth,
  };
}
