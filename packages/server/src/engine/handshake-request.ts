import { type IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { HandshakeRequestInfo } from "./contract.js";
import { isEngineQuery } from "./http-middleware.js";

/**
 * Node's own enumerable fields of an IncomingMessage, read off a real instance so the list
 * follows the Node version. `parser` is the one Node's HTTP server adds later (to upgrade
 * requests). Every other own string key was put there by user code (`allowRequest`, a
 * framework in front of the engine): those are the ones a rebuilt request must carry.
 */
const NODE_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(new IncomingMessage(null as unknown as Socket)),
  "parser",
]);

/** What user code added to a request: own enumerable string keys Node does not set. */
function addedFields(req: IncomingMessage): Record<string, unknown> | undefined {
  let added: Record<string, unknown> | undefined;
  for (const key of Object.keys(req)) {
    if (NODE_FIELDS.has(key)) continue;
    const value = (req as unknown as Record<string, unknown>)[key];
    // The engine's own `_query` (set for middlewares): `message` parses the URL again, so a
    // session does not hold a copy of its query for its whole life.
    if (key === "_query" && isEngineQuery(value)) continue;
    added ??= {};
    // By reference: `req.session` must stay the object the middleware is working with.
    added[key] = value;
  }
  return added;
}

/** Header values shared between sessions only up to this length (user agents fit). */
const MAX_SHARED_LENGTH = 256;
/** Values per generation of the shared-string cache. */
const GENERATION_SIZE = 256;
/** Headers whose values are unique per request: caching them would only evict the others. */
const UNIQUE_HEADERS: ReadonlySet<string> = new Set([
  "sec-websocket-key",
  "cookie",
  "authorization",
]);

/**
 * Recently seen handshake strings (URLs, header values): every request brings its own copy of
 * `Host`, `Upgrade`, `User-Agent`, the handshake URL…, and a session keeps them for its life.
 * Two generations: a value seen again moves to the current one, the previous one is dropped
 * when the current fills, so values common to many clients stay and one-offs pass through.
 * Bounded: at most 2 × 256 strings of at most 256 characters.
 */
let currentStrings = new Map<string, string>();
let previousStrings = new Map<string, string>();

function shared(value: string): string {
  if (value.length > MAX_SHARED_LENGTH) return value;
  const current = currentStrings.get(value);
  if (current !== undefined) return current;
  const previous = previousStrings.get(value) ?? value;
  if (currentStrings.size >= GENERATION_SIZE) {
    previousStrings = currentStrings;
    currentStrings = new Map();
  }
  currentStrings.set(previous, previous);
  return previous;
}

/** The request's headers object, its string values replaced by shared equal strings. */
function shareHeaderValues(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (typeof value === "string" && !UNIQUE_HEADERS.has(name)) headers[name] = shared(value);
  }
  return headers;
}

/** What a handshake request rarely differs in. */
interface Uncommon {
  readonly method: string;
  readonly major: number;
  readonly minor: number;
  /** Own fields user code added to the request (see addedFields). */
  readonly added: Record<string, unknown> | undefined;
}

const USUAL: Uncommon = Object.freeze({ method: "GET", major: 1, minor: 1, added: undefined });

/**
 * The handshake request of a session, reduced to what it needs (~150 bytes instead of the
 * ~1.1 KB a live IncomingMessage keeps: its ReadableState, `_events`, `rawHeaders` and their
 * strings, `httpVersion`). Internal readers (`socket.handshake`) use the fields; `message`
 * rebuilds a genuine IncomingMessage for `socket.request` / `conn.request` on first read only.
 *
 * The headers object is kept rather than `rawHeaders`: it is what `socket.handshake.headers`
 * exposes anyway, and its names are shared constants for common headers where `rawHeaders`
 * holds a fresh string per name per request.
 */
export class HandshakeRequest implements HandshakeRequestInfo {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The connection's socket; retained by the transport anyway (WebSocket). */
  readonly socket: Socket;
  /** Undefined for the usual handshake (GET, HTTP/1.1, nothing added): one field, not three. */
  readonly #uncommon: Uncommon | undefined;
  #message: IncomingMessage | undefined;

  constructor(req: IncomingMessage) {
    this.url = shared(req.url ?? "/");
    // The same object (equal values, now shared strings): the request is dropped anyway.
    this.headers = shareHeaderValues(req.headers);
    this.socket = req.socket;
    const method = req.method ?? "GET";
    const major = req.httpVersionMajor;
    const minor = req.httpVersionMinor;
    const added = addedFields(req);
    if (method !== "GET" || major !== 1 || minor !== 1 || added !== undefined) {
      this.#uncommon = { method, major, minor, added };
    }
  }

  get secure(): boolean {
    return (this.socket as TLSSocket | undefined)?.encrypted === true;
  }

  /**
   * An IncomingMessage equal to the handshake request for every reader that does not compare
   * identity or read the body: same socket, method, url, version, headers object (so
   * `socket.request.headers === socket.handshake.headers`), the fields middleware added (same
   * values), already ended. Built once and cached.
   */
  get message(): IncomingMessage {
    let message = this.#message;
    if (message === undefined) {
      message = this.#rebuild();
      this.#message = message;
    }
    return message;
  }

  #rebuild(): IncomingMessage {
    const message = new IncomingMessage(this.socket);
    const { method, major, minor, added } = this.#uncommon ?? USUAL;
    message.httpVersionMajor = major;
    message.httpVersionMinor = minor;
    message.httpVersion = `${major}.${minor}`;
    message.method = method;
    message.url = this.url;
    const headers = this.headers;
    // Node's setter: the same object, not a copy rebuilt from rawHeaders.
    message.headers = headers;
    message.rawHeaders = rawHeadersOf(headers);
    // A handshake never reaches the engine through Node's `upgrade` path unless it is one.
    (message as IncomingMessage & { upgrade: boolean }).upgrade = headers.upgrade !== undefined;
    message.complete = true;
    // A GET handshake has no body: reading it ends at once instead of waiting forever.
    message.push(null);
    // engine.io's `socket.request._query`, with or without middlewares (one user code set on
    // the handshake request is among `added`, and wins).
    (message as IncomingMessage & { _query: Record<string, string> })._query = queryOf(this.url);
    if (added !== undefined) Object.assign(message, added);
    return message;
  }
}

/** The URL's query as a plain object, as the engine gives it to middlewares (`req._query`). */
function queryOf(url: string): Record<string, string> {
  const i = url.indexOf("?");
  return i === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(i + 1)));
}

/** `rawHeaders` from a headers object: names as Node lowercased them, duplicates as joined. */
function rawHeadersOf(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === "string") raw.push(name, value);
    else for (const v of value) raw.push(name, v);
  }
  return raw;
}
