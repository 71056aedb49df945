import { type IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { HandshakeRequestInfo } from "../contract.js";
import {
  handshakeInfo,
  lazyEngineQuery,
  sharedString,
  shareHeaderValues,
  shareRawHeaders,
} from "../handshake-request.js";

/**
 * How many own enumerable fields Node's IncomingMessage constructor makes, counted on a real
 * instance so it follows the Node version. They come first in `Object.keys` (insertion
 * order); after them Node's HTTP server adds only `parser`, to upgrade requests.
 */
const NODE_FIELD_COUNT = Object.keys(new IncomingMessage(null as unknown as Socket)).length;

/**
 * Whether no code but Node's and the engine's has left a trace on `req`: no field of its own
 * (an `upgrade` / `request` listener, a framework in front), no listener on it. The Node front
 * asks this after ruling out every hook that hands the request to user code (middlewares,
 * `allowRequest`, `generateId`, header events…), which may keep it without a trace.
 */
export function untouched(req: IncomingMessage): boolean {
  if ((req as unknown as { _eventsCount: number })._eventsCount !== 0) return false;
  const keys = Object.keys(req);
  for (let i = NODE_FIELD_COUNT; i < keys.length; i++) if (keys[i] !== "parser") return false;
  return true;
}

/**
 * Raw header names in the order a client sent them, shared by every session whose client sends
 * the same ones (a browser, or one client library, always does): with `headers`, they give
 * back `rawHeaders` exactly when each name came once.
 */
class RawNames {
  readonly names: readonly string[];
  /** The names as `headers` has them (Node lower-cases them). */
  readonly lower: readonly string[];

  constructor(names: readonly string[]) {
    this.names = names.map(sharedString);
    this.lower = names.map((name) => sharedString(name.toLowerCase()));
  }

  /** Whether `raw` has these names, in this order. */
  matches(raw: readonly string[]): boolean {
    const names = this.names;
    if (raw.length !== names.length * 2) return false;
    for (let i = 0; i < names.length; i++) if (raw[2 * i] !== names[i]) return false;
    return true;
  }

  rawHeaders(headers: IncomingHttpHeaders): string[] {
    const { names, lower } = this;
    const raw: string[] = new Array(names.length * 2);
    for (let i = 0; i < names.length; i++) {
      raw[2 * i] = names[i] as string;
      raw[2 * i + 1] = headers[lower[i] as string] as string;
    }
    return raw;
  }
}

/** Distinct name lists kept at most; past that the cache starts again (clients are few). */
const MAX_NAME_LISTS = 64;
let nameLists = new Map<string, RawNames>();
/** The list the last handshake had: the next one most likely has it too. */
let lastNames: RawNames | null = null;

function namesFor(raw: readonly string[]): RawNames {
  if (lastNames?.matches(raw)) return lastNames;
  const names: string[] = [];
  for (let i = 0; i < raw.length; i += 2) names.push(raw[i] as string);
  const key = names.join("\n");
  let found = nameLists.get(key);
  if (found === undefined) {
    if (nameLists.size >= MAX_NAME_LISTS) nameLists = new Map();
    found = new RawNames(names);
    nameLists.set(key, found);
  }
  lastNames = found;
  return found;
}

/**
 * The shared names of `raw`, or null when `raw` does not follow from its names and `headers`
 * (a name twice, a value Node joined or dropped).
 */
function rawNamesOf(raw: readonly string[], headers: IncomingHttpHeaders): RawNames | null {
  if (raw.length % 2 !== 0) return null;
  const found = namesFor(raw);
  const lower = found.lower;
  for (let i = 0; i < lower.length; i++) {
    if (headers[lower[i] as string] !== raw[2 * i + 1]) return null;
  }
  // Equal values for every name also rule out a repeated name, but for a value Node kept
  // from its first occurrence (`host`…): the counts tell.
  let count = 0;
  for (const _ in headers) count++;
  return count === lower.length ? found : null;
}

/** What `req.upgrade` usually is: an upgrade for a WebSocket handshake, not for a poll. */
function usualUpgrade(headers: IncomingHttpHeaders): boolean {
  return headers.upgrade !== undefined;
}

/** A handshake request whose rawHeaders or method, version or upgrade flag are unusual. */
interface Uncommon {
  readonly raw: RawNames | string[];
  readonly method: string;
  readonly major: number;
  readonly minor: number;
  readonly upgrade: boolean;
}

/**
 * The handshake request of a session that nothing but the engine saw, reduced to what gives it
 * back: its URL and header values (strings shared between sessions), its socket (which the
 * WebSocket transport holds anyway), the raw header names (shared), and method and version
 * only when they are not the usual GET over HTTP/1.1 — ~60 bytes besides the headers, where
 * the live request keeps its ReadableState, `rawHeaders` array and Node's fields (~600).
 *
 * `message` builds a genuine IncomingMessage equal to the one received (same socket, url,
 * method, version, the very `headers` object, equal `rawHeaders`, `upgrade`, already complete
 * and ended, `_query` as the engine gives it) on first read, and returns it from then on.
 */
export class NodeHandshake {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket;
  /**
   * The rest, in one field (an idle connection's bytes are measured): the shared raw names
   * for the usual request, the Uncommon parts otherwise, and once built, the request.
   */
  #rest: RawNames | Uncommon | IncomingMessage;

  constructor(req: IncomingMessage) {
    this.url = sharedString(req.url ?? "/");
    // The same object (equal values, now shared strings): `socket.handshake.headers` too.
    this.headers = req.headers;
    shareHeaderValues(this.headers);
    this.socket = req.socket;
    const names = rawNamesOf(req.rawHeaders, this.headers);
    if (names === null) shareRawHeaders(req.rawHeaders);
    const method = req.method ?? "GET";
    const major = req.httpVersionMajor;
    const minor = req.httpVersionMinor;
    const upgrade = (req as IncomingMessage & { upgrade: boolean }).upgrade;
    const usual =
      method === "GET" && major === 1 && minor === 1 && upgrade === usualUpgrade(req.headers);
    this.#rest =
      names !== null && usual
        ? names
        : { raw: names ?? req.rawHeaders, method, major, minor, upgrade };
  }

  get message(): IncomingMessage {
    const rest = this.#rest;
    if (rest instanceof IncomingMessage) return rest;
    const message = this.#build(rest);
    this.#rest = message;
    return message;
  }

  /** The handshake request as `socket.handshake` reads it, without building `message`. */
  info(): HandshakeRequestInfo {
    return {
      url: this.url,
      headers: this.headers,
      secure: (this.socket as TLSSocket | null)?.encrypted === true,
    };
  }

  #build(rest: RawNames | Uncommon): IncomingMessage {
    const message = new IncomingMessage(this.socket);
    const uncommon = rest instanceof RawNames ? undefined : rest;
    const major = uncommon?.major ?? 1;
    const minor = uncommon?.minor ?? 1;
    message.httpVersionMajor = major;
    message.httpVersionMinor = minor;
    message.httpVersion = `${major}.${minor}`;
    message.method = uncommon?.method ?? "GET";
    message.url = this.url;
    const raw = rest instanceof RawNames ? rest : rest.raw;
    message.rawHeaders = raw instanceof RawNames ? raw.rawHeaders(this.headers) : raw;
    // Node's setter: this very object, not one parsed again from rawHeaders.
    message.headers = this.headers;
    (message as IncomingMessage & { upgrade: boolean }).upgrade =
      uncommon?.upgrade ?? usualUpgrade(this.headers);
    message.complete = true;
    // A handshake has no body: reading it ends at once instead of waiting forever.
    message.push(null);
    lazyEngineQuery(message);
    return message;
  }
}

/** What a Node session keeps of its handshake request: the request, or its record. */
export type KeptRequest = IncomingMessage | NodeHandshake;

/** `conn.request`: the kept request, or the one its record builds (once). */
export function keptRequest(kept: KeptRequest): IncomingMessage {
  return kept instanceof NodeHandshake ? kept.message : kept;
}

/** `conn.handshakeRequest`, never building a request. */
export function keptInfo(kept: KeptRequest): HandshakeRequestInfo {
  return kept instanceof NodeHandshake ? kept.info() : handshakeInfo(kept);
}
