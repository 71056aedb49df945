import type { RequestHeaders } from "./contract.js";

/**
 * A request as the core reads it, whatever the runtime: the few fields the engine's checks
 * need. A front makes one per HTTP request or WebSocket upgrade from its own request object
 * (Node: `IncomingMessage`; Bun: `Request` + the server's `requestIP`), and keeps that object
 * in `native`: it is what user hooks get (`allowRequest`, `generateId`, `connection_error`'s
 * `req`) and what a session keeps as `conn.request`.
 */
export interface RequestRecord<Req = unknown> {
  /** Upper-case HTTP method (`GET`, `POST`, `OPTIONS`…). */
  readonly method: string;
  /** Path and query string, as sent (`/socket.io/?EIO=4&transport=polling`). */
  readonly url: string;
  /** The query string of `url`, parsed once (see `parseQuery`). */
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: RequestHeaders;
  /** The peer's address ("" when unknown, e.g. a relayed request). */
  readonly remoteAddress: string;
  readonly native: Req;
}

/** The query string of a request URL. URLSearchParams, so `__proto__` is just a string. */
export function parseQuery(url: string | undefined): URLSearchParams {
  const i = url === undefined ? -1 : url.indexOf("?");
  return new URLSearchParams(i === -1 ? "" : (url as string).slice(i + 1));
}
