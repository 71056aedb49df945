import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { parseQuery, type RequestRecord } from "../core/request.js";
import { sharedString, shareHeaderValues } from "../handshake-request.js";
import type { BunServer } from "./bun-runtime.js";
import { HeaderTemplate, keepHeaders, keyOf } from "./kept-headers.js";

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
  headers: IncomingHttpHeaders;
  /** Node's `rawHeaders` (name, value, name, value…), made on read. */
  readonly rawHeaders: string[];
  readonly socket: { readonly remoteAddress: string; readonly encrypted: boolean };
  /**
   * The Fetch request this record was made from, while the engine handles it (`allowRequest`,
   * `generateId`, `connection_error`, the `headers` hooks); a session does not keep it (see
   * `keepRecord`): `socket.request.raw` is undefined afterwards. `socket` is made on read.
   */
  raw: Request | undefined;
}

/** The Fetch request of each record, while the engine handles it (see `raw`). */
const fetchRequests = new WeakMap<KeptRequest, Request>();

/**
 * The record: its own fields are only what each request has (method, URL, headers, address);
 * `headers` (see below), `raw`, `rawHeaders`, `socket` and engine.io's `_query` are
 * accessors on the prototype, made on read. A session keeps its handshake record for its
 * life, so each own field, and any per-object accessor (JSC allots a GetterSetter cell for
 * each), is paid per idle connection.
 *
 * Once kept (`keepRecord`), the headers are usually a template shared with the sessions whose
 * client sent the same headers, and the record keeps only its own `sec-websocket-key`: the
 * headers object is built again on first read, equal to the one received (same names in the
 * same order, same values), and kept from then on, so every read returns that one object.
 */
class KeptRequest implements BunRequestRecord {
  url: string;
  #headers: IncomingHttpHeaders | HeaderTemplate;
  /** The key a template leaves to this record (see `kept-headers.ts`). */
  #key: string | undefined;
  readonly #remoteAddress: string;

  constructor(request: Request, url: string, address: string) {
    // A kept record's method is GET (a handshake): an own field only for other methods.
    if (request.method !== "GET") ownValue(this, "method", request.method);
    this.url = pathOf(url);
    this.#headers = headersOf(request.headers);
    this.#key = undefined;
    this.#remoteAddress = address;
    fetchRequests.set(this, request);
  }

  /** The request's method: GET, unless the request had another (then an own field). */
  get method(): string {
    return "GET";
  }

  set method(value: string) {
    ownValue(this, "method", value);
  }

  /** Whether it came over TLS: told by the class (`TlsRequest`), not a field. */
  get #encrypted(): boolean {
    return this instanceof TlsRequest;
  }

  get headers(): IncomingHttpHeaders {
    const headers = this.#headers;
    if (!(headers instanceof HeaderTemplate)) return headers;
    const built = headers.build(this.#key);
    this.#headers = built;
    this.#key = undefined;
    return built;
  }

  set headers(value: IncomingHttpHeaders) {
    this.#headers = value;
    this.#key = undefined;
  }

  /** Swaps the headers for a shared template when another session sent the same. */
  keepHeaders(): void {
    const headers = this.#headers;
    if (headers instanceof HeaderTemplate) return;
    const kept = keepHeaders(headers);
    if (kept === headers) return;
    this.#key = keyOf(headers);
    this.#headers = kept;
  }

  get raw(): Request | undefined {
    return fetchRequests.get(this);
  }

  set raw(value: Request | undefined) {
    if (value === undefined) fetchRequests.delete(this);
    else fetchRequests.set(this, value);
  }

  /**
   * Node's `rawHeaders` (name, value…), from the lower-cased headers (Node's order is not
   * kept): a new array per read, unless one was assigned.
   */
  get rawHeaders(): string[] {
    const raw: string[] = [];
    for (const name in this.headers) raw.push(name, String(this.headers[name]));
    return raw;
  }

  set rawHeaders(value: string[]) {
    ownValue(this, "rawHeaders", value);
  }

  /** What Node's socket would say of the peer: a new object per read. */
  get socket(): { readonly remoteAddress: string; readonly encrypted: boolean } {
    return { remoteAddress: this.#remoteAddress, encrypted: this.#encrypted };
  }

  /** engine.io's `req._query`: the URL's query, parsed per read unless one was assigned. */
  get _query(): Record<string, string> {
    const i = this.url.indexOf("?");
    return i === -1 ? {} : Object.fromEntries(new URLSearchParams(this.url.slice(i + 1)));
  }

  set _query(value: Record<string, string>) {
    ownValue(this, "_query", value);
  }
}

/**
 * What `requestRecord` makes: a subclass whose own prototype holds no accessor. JSC sizes an
 * object for the fields its constructor assigns plus each non-function property of its
 * prototype (it expects instances to shadow them), up to 6 slots: with `KeptRequest`'s
 * accessors on its own prototype a record took 64 B; one prototype down, its 4 fields take
 * 48 B (Bun 1.4.5; PERFORMANCE.md, "Idle memory on Bun, session 7").
 */
class PlainRequest extends KeptRequest {}

/** A record of a request that came over TLS (`socket.encrypted`); sized as `PlainRequest`. */
class TlsRequest extends KeptRequest {}

/**
 * The request's headers as Node's lower-cased object. Bun's `Headers#toJSON` makes it in one
 * native call (repeated headers joined with ", ", `set-cookie` an array, as Node); the
 * iterator elsewhere. Not `forEach`: in a bare `Bun.serve` on Bun 1.4.5, 2 000 upgrades that
 * each read their headers with `forEach` and kept one value held 1.1–1.6 KiB more RSS per
 * connection after GC than with `toJSON` or the iterator (the JS heap alike).
 */
function headersOf(headers: Headers): IncomingHttpHeaders {
  const toJSON = (headers as Headers & { toJSON?: () => IncomingHttpHeaders }).toJSON;
  if (typeof toJSON === "function") return toJSON.call(headers);
  const object: IncomingHttpHeaders = {};
  for (const [name, value] of headers) object[name] = value;
  return object;
}

/** An assignment to an accessor of the record: from then on an ordinary own field. */
function ownValue(record: object, name: string, value: unknown): void {
  Object.defineProperty(record, name, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * One record per request that reaches the engine. Repeated headers are joined as Node joins
 * them (`, `; `set-cookie` and `cookie` are not sent by clients in a way this changes). The
 * peer's address is shared with earlier requests from it (`sharedString`).
 */
export function requestRecord(request: Request, server: BunServer | undefined): BunRequestRecord {
  const address = server?.requestIP(request)?.address;
  const url = request.url;
  const peer = address === undefined ? "" : sharedString(address);
  return url.startsWith("https:")
    ? new TlsRequest(request, url, peer)
    : new PlainRequest(request, url, peer);
}

/**
 * A handshake record as its session keeps it (`conn.request`): without the Fetch request,
 * whose native memory would otherwise stay for the connection's life, with its URL swapped
 * for an equal string shared between sessions (as the Node front's `retainHandshakeRequest`
 * does), and its headers a shared template when other sessions sent the same (see
 * `KeptRequest`), else their values shared strings.
 */
export function keepRecord(record: BunRequestRecord): IncomingMessage {
  record.raw = undefined;
  record.url = sharedString(record.url);
  if (record instanceof KeptRequest) record.keepHeaders();
  else shareHeaderValues(record.headers);
  return asIncoming(record);
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
