import type { IncomingMessage } from "node:http";
import { DEFAULT_LIMITS } from "@parley/protocol";
import type { PerMessageDeflateOptions } from "ws";
import type { TransportName } from "./contract.js";

/** Value the `cors.origin` option (or its callback) may take. */
export type CorsOrigin = boolean | string | RegExp | ReadonlyArray<string | RegExp>;

/** Same shape as the `cors` package's origin callback, which Socket.IO users already write. */
export type CorsOriginFunction = (
  origin: string | undefined,
  callback: (err: Error | null, origin?: CorsOrigin) => void,
) => void;

export interface CorsOptions {
  /**
   * `true` or `"*"`: any origin. A string, RegExp, list or function restricts origins: a request
   * whose `Origin` is not allowed is refused with 403 (code 4), on polling and on WebSocket.
   * Requests without an `Origin` header (non-browser clients) are always let through.
   */
  origin?: CorsOrigin | CorsOriginFunction;
  methods?: string | readonly string[];
  credentials?: boolean;
  allowedHeaders?: string | readonly string[];
  exposedHeaders?: string | readonly string[];
  maxAge?: number;
}

export interface CookieOptions {
  name?: string;
  path?: string;
  httpOnly?: boolean;
  sameSite?: "strict" | "lax" | "none" | boolean;
  secure?: boolean;
  domain?: string;
  /** Seconds. */
  maxAge?: number;
}

export interface HttpCompressionOptions {
  /** Smallest polling response body, in bytes, that gets compressed. */
  threshold?: number;
  /** zlib level (default: zlib's default). */
  level?: number;
}

/** `callback(null, true)` accepts the handshake; `callback("why", false)` refuses it with 403. */
export type AllowRequest = (
  req: IncomingMessage,
  callback: (err: string | null | undefined, success: boolean) => void,
) => void;

export interface AttachOptions {
  /** Requests under this path are the engine's (default `/socket.io/`). */
  path?: string;
  /** Whether to end upgrade requests outside `path` that nobody else handles (default true). */
  destroyUpgrade?: boolean;
  /** How long such an upgrade may wait for another listener before it is ended (ms, 1000). */
  destroyUpgradeTimeout?: number;
  /** Match `/socket.io/` (true, default) or also `/socket.io` without a trailing slash. */
  addTrailingSlash?: boolean;
}

export interface EngineOptions extends AttachOptions {
  /** Milliseconds between server pings (default 25000). */
  pingInterval?: number;
  /** Milliseconds the peer has to answer a ping (default 20000). */
  pingTimeout?: number;
  /** Milliseconds a WebSocket probe may take to complete an upgrade (default 10000). */
  upgradeTimeout?: number;
  /** Largest WebSocket message or polling request body, in bytes (default 1e6). */
  maxHttpBufferSize?: number;
  /** Transports accepted, in order of preference (default `["polling", "websocket"]`). */
  transports?: readonly TransportName[];
  /** Whether polling sessions may upgrade to WebSocket (default true). */
  allowUpgrades?: boolean;
  /** permessage-deflate for WebSocket (default off: it costs memory per connection). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** gzip/deflate of polling responses (default on, threshold 1024 bytes). */
  httpCompression?: boolean | HttpCompressionOptions;
  /** CORS for polling and WebSocket (default off: no headers, no origin check). */
  cors?: boolean | CorsOptions;
  /** Decides on each handshake. */
  allowRequest?: AllowRequest;
  /** Set an `io=<sid>` cookie on the handshake (default off). */
  cookie?: boolean | CookieOptions;
  /**
   * Per-session send buffer limit in bytes (default 2 MiB). Above it, volatile sends are
   * dropped; a session still above it at its next heartbeat, or whose buffer would grow past
   * twice the limit, is closed with "send buffer overflow". A single message into an empty
   * buffer is always accepted, however large.
   */
  maxBufferedBytes?: number;
  /** Most packets accepted in one polling request body (default 10000). */
  maxPayloadPackets?: number;
  /**
   * Also accept Engine.IO v3 clients (socket.io-client 2.x, engine.io-client 3.x, older
   * mobile SDKs): v3 handshake, client-driven heartbeat, v3 polling payloads (text, binary,
   * JSONP) and WebSocket framing, upgrade. Default false: an `EIO=3` request is refused with
   * code 5 "Unsupported protocol version".
   */
  allowEIO3?: boolean;
}

export interface ResolvedOptions {
  readonly path: string;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly upgradeTimeout: number;
  readonly maxHttpBufferSize: number;
  readonly transports: ReadonlySet<TransportName>;
  readonly allowUpgrades: boolean;
  readonly perMessageDeflate: false | PerMessageDeflateOptions;
  readonly httpCompression:
    | false
    | (Required<Pick<HttpCompressionOptions, "threshold">> & HttpCompressionOptions);
  readonly cors: false | CorsOptions;
  readonly allowRequest: AllowRequest | undefined;
  readonly cookie: false | CookieOptions;
  readonly maxBufferedBytes: number;
  readonly maxPayloadPackets: number;
  readonly allowEIO3: boolean;
  /** How long a polling session being closed waits for the peer's next GET (ms). */
  readonly closeTimeout: number;
}

export const DEFAULT_PATH = "/socket.io/";
export const DEFAULT_MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`option ${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}

/** Normalises a mount path to `/prefix/` (or `/prefix` when `addTrailingSlash` is false). */
export function normalizePath(path: string | undefined, addTrailingSlash = true): string {
  let p = (path ?? DEFAULT_PATH).replace(/\/+$/, "");
  if (!p.startsWith("/")) p = `/${p}`;
  return addTrailingSlash ? `${p}/` : p;
}

/**
 * Whether a request URL is under `path`: `/socket.io/…`, and also `/socket.io` or
 * `/socket.io?…` (clients configured without the trailing slash), but never `/socket.iox`.
 */
export function pathMatcher(path: string): (url: string | undefined) => boolean {
  const bare = path.endsWith("/") ? path.slice(0, -1) : path;
  const slashed = `${bare}/`;
  const query = `${bare}?`;
  return (url) =>
    url !== undefined && (url.startsWith(slashed) || url === bare || url.startsWith(query));
}

function allowEIO3Of(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(`option allowEIO3 must be a boolean, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(opts: EngineOptions): ResolvedOptions {
  const transports = new Set<TransportName>();
  for (const t of opts.transports ?? ["polling", "websocket"]) {
    if (t !== "polling" && t !== "websocket") throw new TypeError(`unknown transport ${String(t)}`);
    transports.add(t);
  }
  if (transports.size === 0) throw new TypeError("option transports must not be empty");
  const compression = opts.httpCompression ?? true;
  const deflate = opts.perMessageDeflate ?? false;
  const cors = opts.cors ?? false;
  const cookie = opts.cookie ?? false;
  const pingInterval = positive("pingInterval", opts.pingInterval, 25_000);
  const pingTimeout = positive("pingTimeout", opts.pingTimeout, 20_000);
  return {
    path: normalizePath(opts.path, opts.addTrailingSlash ?? true),
    pingInterval,
    pingTimeout,
    upgradeTimeout: positive("upgradeTimeout", opts.upgradeTimeout, 10_000),
    maxHttpBufferSize: positive("maxHttpBufferSize", opts.maxHttpBufferSize, 1e6),
    transports,
    allowUpgrades: opts.allowUpgrades ?? true,
    perMessageDeflate: deflate === false ? false : deflate === true ? { threshold: 1024 } : deflate,
    httpCompression:
      compression === false
        ? false
        : compression === true
          ? { threshold: 1024 }
          : { threshold: 1024, ...compression },
    cors: cors === false ? false : cors === true ? { origin: "*" } : cors,
    allowRequest: opts.allowRequest,
    cookie: cookie === false ? false : cookie === true ? {} : cookie,
    maxBufferedBytes: positive(
      "maxBufferedBytes",
      opts.maxBufferedBytes,
      DEFAULT_MAX_BUFFERED_BYTES,
    ),
    maxPayloadPackets: positive(
      "maxPayloadPackets",
      opts.maxPayloadPackets,
      DEFAULT_LIMITS.maxPayloadPackets,
    ),
    closeTimeout: Math.min(30_000, pingInterval + pingTimeout),
    allowEIO3: allowEIO3Of(opts.allowEIO3),
  };
}
