import type { ExtendedError } from "../socket-types.js";

/**
 * Socket.IO protocol v4, as socket.io-client 2.x (and the older mobile SDKs) speak it over
 * Engine.IO v3 (`allowEIO3`). A connection is one of these when `conn.protocol === 3`; the
 * session layer asks once per CONNECT or socket, never per message. Packets, binary
 * attachments and acks are encoded exactly as in v5; what differs, as socket.io serves it:
 * - the main namespace is joined as soon as the connection opens, without a CONNECT from the
 *   client (`Client` constructor);
 * - a CONNECT to another namespace carries no auth payload: the client's query rides in the
 *   namespace, `/admin?token=abc`, and becomes `socket.handshake.auth` (`parseLegacyNamespace`);
 * - socket ids are the Engine.IO id (`/` ) or `<nsp>#<engine id>`, which the client computes
 *   on its side too (`legacySocketId`), and the server's CONNECT carries no `{ sid }`;
 * - a middleware refusal sends `err.data`, else `err.message`, as the CONNECT_ERROR payload
 *   (the client emits it as its `error` event) instead of `{ message, data }`.
 */

/** Engine.IO revision (`conn.protocol`) of connections that speak Socket.IO protocol v4. */
export const LEGACY_ENGINE_PROTOCOL = 3;

export function legacySocketId(nsp: string, engineId: string): string {
  return nsp === "/" ? engineId : `${nsp}#${engineId}`;
}

/** Placeholder origin: only the path and query of a namespace string are read. */
const BASE = "https://socket.io";

/**
 * The namespace and auth of a v4-protocol CONNECT: `/admin?token=abc` is namespace `/admin`
 * with auth `{ token: "abc" }`, parsed as a URL as socket.io does (so the name is normalized
 * the same way).
 */
export function parseLegacyNamespace(nsp: string): { name: string; auth: Record<string, unknown> } {
  const query = nsp.indexOf("?");
  if (query === -1) return { name: nsp, auth: {} };
  try {
    const url = new URL(nsp, BASE);
    return { name: url.pathname, auth: Object.fromEntries(url.searchParams.entries()) };
  } catch {
    return { name: nsp.slice(0, query), auth: {} };
  }
}

/** The CONNECT_ERROR payload of a middleware refusal for a v4-protocol client. */
export function legacyConnectErrorData(err: ExtendedError): unknown {
  return err.data || err.message;
}
