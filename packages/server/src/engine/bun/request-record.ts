import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { BunServer } from "./bun-runtime.js";

/**
 * What the engine keeps of a Fetch `Request` on Bun: the fields of Node's `IncomingMessage`
 * that the runtime-neutral parts of the engine and the session layer read (`method`, `url` as
 * path + query, lower-cased `headers`, `rawHeaders`, `socket.remoteAddress` and
 * `socket.encrypted`), so `verifyRequest`, `allowRequest`, CORS delegates, `socket.handshake`
 * and `socket.request` see the same shape on both runtimes. The Fetch request itself is
 * `raw`, for apps that want Bun's own object.
 */
export interface BunRequestRecord {
  readonly method: string;
  url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly socket: { readonly remoteAddress: string; readonly encrypted: boolean };
  /** The Fetch request this record was made from. */
  readonly raw: Request;
}

/**
 * One record per request that reaches the engine. Repeated headers are joined as Node joins
 * them (`, `; `set-cookie` and `cookie` are not sent by clients in a way this changes).
 */
export function requestRecord(request: Request, server: BunServer | undefined): BunRequestRecord {
  const url = request.url;
  // "http://host:port/path?query" → "/path?query", without a URL object per request.
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const headers: IncomingHttpHeaders = {};
  const rawHeaders: string[] = [];
  request.headers.forEach((value, name) => {
    headers[name] = value;
    rawHeaders.push(name, value);
  });
  return {
    method: request.method,
    url: start === -1 ? "/" : url.slice(start),
    headers,
    rawHeaders,
    socket: {
      remoteAddress: server?.requestIP(request)?.address ?? "",
      encrypted: url.startsWith("https:"),
    },
    raw: request,
  };
}

/**
 * The record where the engine's shared code takes a Node request (verification, CORS,
 * `allowRequest`, the session's `request`). Those read only the fields above.
 */
export function asIncoming(record: BunRequestRecord): IncomingMessage {
  return record as unknown as IncomingMessage;
}
