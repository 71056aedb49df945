import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { HandshakeRequestInfo } from "./contract.js";
import { leanEvents } from "./lean-events.js";

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
 * Recently seen handshake strings (URLs, header names and values): every request brings its
 * own copy of `Host`, `Upgrade`, `User-Agent`, the handshake URL…, and a session keeps its
 * request for its life. Two generations: a value seen again moves to the current one, the
 * previous one is dropped when the current fills, so values common to many clients stay and
 * one-offs pass through. Bounded: at most 2 × 256 strings of at most 256 characters.
 */
let currentStrings = new Map<string, string>();
let previousStrings = new Map<string, string>();

export function sharedString(value: string): string {
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

/** Replaces the string values of `headers` by shared equal strings, in place. */
export function shareHeaderValues(headers: IncomingHttpHeaders): void {
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (typeof value === "string" && !UNIQUE_HEADERS.has(name)) headers[name] = sharedString(value);
  }
}

/** The same for `rawHeaders` (names, and the values of headers that are not unique). */
export function shareRawHeaders(raw: string[]): void {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = sharedString(raw[i] as string);
    raw[i] = name;
    if (!UNIQUE_HEADERS.has(name.toLowerCase())) raw[i + 1] = sharedString(raw[i + 1] as string);
  }
}

/** `req._query` on first read: the URL's query as engine.io gives it, then a plain field. */
function readQuery(this: IncomingMessage): Record<string, string> {
  const url = this.url ?? "";
  const i = url.indexOf("?");
  const query = i === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(i + 1)));
  defineQuery(this, query);
  return query;
}

function writeQuery(this: IncomingMessage, value: unknown): void {
  defineQuery(this, value);
}

function defineQuery(req: IncomingMessage, value: unknown): void {
  Object.defineProperty(req, "_query", {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Readies a handshake request to be kept for its session's life, changing nothing a reader
 * can tell: it stays the same object (what middlewares and `allowRequest` added, and anything
 * set on it later, is there; `express-session`'s `req.session.reload()` works), with
 *
 * - its URL and header strings swapped for equal strings shared between sessions;
 * - no dictionary-mode `_events` while it has no listener (see leanEvents);
 * - `_query` (engine.io sets it on every request) parsed from the URL on first read rather
 *   than held as an object per session, unless something set it already.
 */
export function retainHandshakeRequest(req: IncomingMessage): IncomingMessage {
  if (req.url !== undefined) req.url = sharedString(req.url);
  shareHeaderValues(req.headers);
  shareRawHeaders(req.rawHeaders);
  leanEvents(req);
  if (!Object.hasOwn(req, "_query")) lazyEngineQuery(req);
  return req;
}

/** Gives `req` engine.io's `_query`, parsed from its URL on first read (see readQuery). */
export function lazyEngineQuery(req: IncomingMessage): void {
  Object.defineProperty(req, "_query", {
    get: readQuery,
    set: writeQuery,
    enumerable: true,
    configurable: true,
  });
}

/** The handshake request as `socket.handshake` reads it. */
export function handshakeInfo(req: IncomingMessage): HandshakeRequestInfo {
  return {
    url: req.url ?? "/",
    headers: req.headers,
    secure: (req.socket as TLSSocket | null)?.encrypted === true,
  };
}
