import type { IncomingMessage } from "node:http";
import type { ZlibOptions } from "node:zlib";
import { DEFAULT_LIMITS, type RawData } from "@parley/protocol";
import { type PerMessageDeflateOptions, WebSocketServer } from "ws";
import type { EngineRateLimitOptions } from "../rate-limit/options.js";
import type { TransportName } from "./contract.js";
import { serializeCookie } from "./cookie.js";
import { SessionBinding, type SessionBindingOption } from "./core/session-binding.js";

/** Value the `cors.origin` option (or its callback) may take. */
export type CorsOrigin = boolean | string | RegExp | ReadonlyArray<string | RegExp>;

/** Same shape as the `cors` package's origin callback, which Socket.IO users already write. */
export type CorsOriginFunction = (
  origin: string | undefined,
  callback: (err: Error | null, origin?: CorsOrigin) => void,
) => void;

/**
 * The `cors` package's per-request form, which engine.io accepts as `cors`: decide the options
 * for each request (`callback(null, { origin: … })`); an error refuses the request.
 */
export type CorsOptionsDelegate = (
  req: IncomingMessage,
  callback: (err: Error | null, options?: CorsOptions) => void,
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
  /** Alias of `allowedHeaders`, as in the `cors` package. */
  headers?: string | readonly string[];
  exposedHeaders?: string | readonly string[];
  maxAge?: number;
  /** Status of a successful preflight (OPTIONS) answer (default 204). */
  optionsSuccessStatus?: number;
  /**
   * Not supported (throws when true): the engine answers preflights itself, as nothing after
   * it would. Answer them in front of the engine instead, or leave it false.
   */
  preflightContinue?: boolean;
}

/** The `io` cookie, with the `cookie` package's attributes (as engine.io serializes it). */
export interface CookieOptions {
  name?: string;
  /** Default "/"; `false` leaves the Path attribute out. */
  path?: string | false;
  httpOnly?: boolean;
  sameSite?: "strict" | "lax" | "none" | "Strict" | "Lax" | "None" | boolean;
  secure?: boolean;
  domain?: string;
  /** Seconds. */
  maxAge?: number;
  expires?: Date;
  priority?: "low" | "medium" | "high" | "Low" | "Medium" | "High";
  partitioned?: boolean;
  /** Encodes the cookie value (default `encodeURIComponent`). */
  encode?: (value: string) => string;
}

/** zlib's options for polling answers, plus the size from which they are compressed. */
export interface HttpCompressionOptions extends ZlibOptions {
  /** Smallest polling response body, in bytes, that gets compressed (default 1024). */
  threshold?: number;
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
  cors?: boolean | CorsOptions | CorsOptionsDelegate;
  /** Decides on each handshake. */
  allowRequest?: AllowRequest;
  /**
   * Opt-in limits; the engine reads `connections` (handshakes per second and sessions open per
   * client address, refused with 429). See "Rate limiting" in the README.
   */
  rateLimit?: EngineRateLimitOptions;
  /** Set an `io=<sid>` cookie on the handshake (default off). */
  cookie?: boolean | CookieOptions;
  /**
   * Ties each session to its client, so a stolen sid cannot take it over (default `false`,
   * Engine.IO's behaviour): `"cookie"` (a signed HttpOnly cookie set on the polling handshake)
   * or `"address"` (the handshake's remote address). A request that breaks it gets 403
   * `{"code":4,"message":"Session binding mismatch"}`; the session goes on. See `core/session-binding.ts`.
   */
  sessionBinding?: SessionBindingOption<CookieOptions>;
  /**
   * Per-session send buffer limit in bytes (default: eight times `maxHttpBufferSize`, so 8 MB
   * with its default, and never under 2 MiB). Above it, volatile sends are dropped; a session
   * still above it at its next heartbeat, or whose buffer would grow past twice the limit, is
   * closed with "send buffer overflow". A single message into an empty buffer is always
   * accepted, however large. The default lets a burst of a few of the largest messages the
   * server accepts pass in one tick (socket.io buffers without bound), while a client that
   * does not read is still dropped.
   */
  maxBufferedBytes?: number;
  /** Most packets accepted in one polling request body (default 10000). */
  maxPayloadPackets?: number;
  /** A message sent to every session right after its `open` packet. */
  initialPacket?: string | ArrayBuffer | ArrayBufferView;
  /**
   * Only `ws`'s own `WebSocketServer` (the default) is accepted: Parley's WebSocket transport
   * is built on `ws` (install `bufferutil` for its native speed-ups). Anything else throws.
   */
  wsEngine?: typeof WebSocketServer;
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
  readonly httpCompression: false | { readonly threshold: number; readonly zlib: ZlibOptions };
  readonly cors: false | CorsOptions | CorsOptionsDelegate;
  readonly allowRequest: AllowRequest | undefined;
  readonly cookie: false | CookieOptions;
  readonly maxBufferedBytes: number;
  readonly maxPayloadPackets: number;
  readonly initialPacket: RawData | undefined;
  readonly allowEIO3: boolean;
  /** `sessionBinding`, or null when off. */
  readonly sessionBinding: SessionBinding<CookieOptions> | null;
}

export const DEFAULT_PATH = "/socket.io/";
/** The least default `maxBufferedBytes`. */
export const DEFAULT_MAX_BUFFERED_BYTES = 2 * 1024 * 1024;
/** The default `maxBufferedBytes` holds this many messages of `maxHttpBufferSize`. */
const BUFFERED_MESSAGES = 8;

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

/**
 * engine.io options Parley does not support throw here, naming what to do instead: an
 * option accepted and then ignored would fail later, far from its cause.
 */
function rejectUnsupported(opts: EngineOptions): void {
  if (opts.wsEngine !== undefined && opts.wsEngine !== WebSocketServer) {
    throw new TypeError(
      "option wsEngine is not supported: Parley's WebSocket transport is built on ws (install " +
        "bufferutil for its native speed-ups); remove the option",
    );
  }
  const cors = opts.cors;
  if (typeof cors === "object" && cors.preflightContinue === true) {
    throw new TypeError(
      "option cors.preflightContinue is not supported: the engine answers CORS preflights " +
        "itself; remove it, or answer preflights in a handler in front of the engine",
    );
  }
}

function resolveCompression(
  compression: boolean | HttpCompressionOptions,
): ResolvedOptions["httpCompression"] {
  if (compression === false) return false;
  if (compression === true) return { threshold: 1024, zlib: {} };
  const { threshold, ...zlib } = compression;
  return { threshold: threshold ?? 1024, zlib };
}

function resolveInitialPacket(packet: EngineOptions["initialPacket"]): RawData | undefined {
  if (packet === undefined || typeof packet === "string" || packet instanceof Uint8Array) {
    return packet;
  }
  if (packet instanceof ArrayBuffer) return new Uint8Array(packet);
  if (ArrayBuffer.isView(packet)) {
    return new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength);
  }
  throw new TypeError("option initialPacket must be a string, an ArrayBuffer or a typed array");
}

function allowEIO3Of(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(`option allowEIO3 must be a boolean, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(opts: EngineOptions): ResolvedOptions {
  rejectUnsupported(opts);
  const transports = new Set<TransportName>();
  for (const t of opts.transports ?? ["polling", "websocket"]) {
    if (t !== "polling" && t !== "websocket") {
      throw new TypeError(
        `transport ${JSON.stringify(t)} is not supported: use "polling" and/or "websocket"`,
      );
    }
    transports.add(t);
  }
  if (transports.size === 0) throw new TypeError("option transports must not be empty");
  const compression = opts.httpCompression ?? true;
  const deflate = opts.perMessageDeflate ?? false;
  const cors = opts.cors ?? false;
  const cookie = opts.cookie ?? false;
  const pingInterval = positive("pingInterval", opts.pingInterval, 25_000);
  const pingTimeout = positive("pingTimeout", opts.pingTimeout, 20_000);
  const maxHttpBufferSize = positive("maxHttpBufferSize", opts.maxHttpBufferSize, 1e6);
  const resolvedCookie = cookie === false ? false : cookie === true ? {} : cookie;
  const sessionBinding = SessionBinding.from<CookieOptions>(opts.sessionBinding);
  // A misconfigured cookie (name, path, domain, encoder…) throws here, not at the first handshake.
  if (resolvedCookie !== false) serializeCookie("check", resolvedCookie);
  if (sessionBinding?.mode === "cookie") serializeCookie("check", sessionBinding.cookie);
  return {
    path: normalizePath(opts.path, opts.addTrailingSlash ?? true),
    pingInterval,
    pingTimeout,
    upgradeTimeout: positive("upgradeTimeout", opts.upgradeTimeout, 10_000),
    maxHttpBufferSize,
    transports,
    allowUpgrades: opts.allowUpgrades ?? true,
    // engine.io's default threshold, also under options that leave it out.
    perMessageDeflate:
      deflate === false
        ? false
        : deflate === true
          ? { threshold: 1024 }
          : { threshold: 1024, ...deflate },
    httpCompression: resolveCompression(compression),
    cors: cors === false ? false : cors === true ? { origin: "*" } : cors,
    allowRequest: opts.allowRequest,
    cookie: resolvedCookie,
    maxBufferedBytes: positive(
      "maxBufferedBytes",
      opts.maxBufferedBytes,
      Math.max(DEFAULT_MAX_BUFFERED_BYTES, BUFFERED_MESSAGES * maxHttpBufferSize),
    ),
    maxPayloadPackets: positive(
      "maxPayloadPackets",
      opts.maxPayloadPackets,
      DEFAULT_LIMITS.maxPayloadPackets,
    ),
    initialPacket: resolveInitialPacket(opts.initialPacket),
    allowEIO3: allowEIO3Of(opts.allowEIO3),
    sessionBinding,
  };
}

/**
 * `engine.opts`: the options as given, over the defaults engine.io fills in, as engine.io's
 * `opts` reads (`io.engine.opts.pingInterval`). Frozen: options cannot change after
 * construction, and a write throws (in strict code) rather than being silently ignored.
 */
export function givenOptions(opts: EngineOptions): Readonly<EngineOptions> {
  const defaults: EngineOptions = {
    pingTimeout: 20_000,
    pingInterval: 25_000,
    upgradeTimeout: 10_000,
    maxHttpBufferSize: 1e6,
    transports: ["polling", "websocket"],
    allowUpgrades: true,
    httpCompression: { threshold: 1024 },
    cors: false,
    allowEIO3: false,
  };
  return Object.freeze({ ...defaults, ...opts });
}
