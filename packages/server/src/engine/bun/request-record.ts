import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { parseQuery, type RequestRecord } from "../core/request.js";
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
  /** Node's `rawHeaders` (name, value, name, value…), made on first read. */
  readonly rawHeaders: string[];
  readonly socket: { readonly remoteAddress: string; readonly encrypted: boolean };
  /**
   * The Fetch request this record was made from, while the engine handles it (`allowRequest`,
   * `generateId`, `connection_error`, the `headers` hooks); a session does not keep it (see
   * `keepRecord`): `socket.request.raw` is undefined afterwards.
   */
  raw: Request | undefined;
}

/** `rawHeaders` on first read, from the lower-cased headers (Node's order is not kept). */
function rawHeadersOf(this: BunRequestRecord): string[] {
  const raw: string[] = [];
  for (const name in this.headers) raw.push(name, String(this.headers[name]));
  Object.defineProperty(this, "rawHeaders", {
    value: raw,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  return raw;
}

/**
 * One record per request that reaches the engine. Repeated headers are joined as Node joins
 * them (`, `; `set-cookie` and `cookie` are not sent by clients in a way this changes).
 */
export function requestRecord(request: Request, server: BunServer | undefined): BunRequestRecord {
  const url = request.url;
  const headers: IncomingHttpHeaders = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const record = {
    method: request.method,
    url: pathOf(url),
    headers,
    socket: {
      remoteAddress: server?.requestIP(request)?.address ?? "",
      encrypted: url.startsWith("https:"),
    },
    raw: request as Request | undefined,
  };
  Object.defineProperty(record, "rawHeaders", {
    get: rawHeadersOf,
    enumerable: true,
    configurable: true,
  });
  return record as BunRequestRecord;
}

/**
 * A handshake record as its session keeps it (`conn.request`), readied by `retain` (the Node
 * front's, which shares header strings between sessions): without the Fetch request, whose
 * native memory would otherwise stay for the connection's life, and with `rawHeaders` still
 * made only on first read (hidden from `retain`, which would read it).
 */
export function keepRecord(
  record: BunRequestRecord,
  retain: (req: IncomingMessage) => IncomingMessage,
): IncomingMessage {
  record.raw = undefined;
  Object.defineProperty(record, "rawHeaders", { value: [], writable: true, configurable: true });
  const kept = retain(asIncoming(record));
  Object.defineProperty(record, "rawHeaders", {
    get: rawHeadersOf,
    enumerable: true,
    configurable: true,
  });
  return kept;
}

/** The record again, where shared code hands back the request it was given. */
export function asRecord(req: IncomingMessage): BunRequestRecord {
  return req as unknown as BunRequestRecord;
}

/**
 * The record where the engine's shared code takes a Node request (verification, CORS,
 * `allowRequest`, the session's `request`). Those read only the fields above.
 */
export function asIncoming(record: BunRequestRecord): IncomingMessage {
  return record as unknown as IncomingMessage;
}

/** "http://host:port/path?query" → "/path?query", without a URL object per request. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start === -1 ? "/" : url.slice(start);
}

/** The core's view of a request: its checks read these fields; `native` is what sessions keep. */
export function coreRecord(req: BunRequestRecord): RequestRecord<IncomingMessage> {
  return {
    method: req.method,
    url: req.url,
    query: parseQuery(req.url),
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
    native: asIncoming(req),
  };
}
