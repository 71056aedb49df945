import { DEFAULT_LIMITS } from "@parley/protocol";
import { WebSocketServer } from "ws";
import type { AdapterConstructor, RecoveryOptions } from "./adapter/adapter.js";
import type { ClientLimits } from "./client.js";
import type { EngineOptions } from "./engine/index.js";
import type { ParserModule } from "./parser.js";
import type { RateLimitOptions } from "./rate-limit/options.js";

/** `connectionStateRecovery`: every field is optional; the defaults are listed. */
export interface ConnectionStateRecoveryOptions {
  /**
   * Milliseconds a client may stay away and still get its session back: same `socket.id`,
   * rooms, `socket.data`, and every packet it missed (default 120000).
   */
  maxDisconnectionDuration?: number;
  /** A recovered socket skips the namespace middleware (`io.use`) (default true). */
  skipMiddlewares?: boolean;
  /** Disconnected sessions kept per namespace; the oldest is forgotten first (default 100000). */
  maxSessions?: number;
  /** Packets kept for replay per namespace; the oldest is dropped first (default 100000). */
  maxPackets?: number;
  /** Approximate encoded bytes of those packets per namespace (default 64 MiB). */
  maxBytes?: number;
  /**
   * Reliable packets (`socket.reliable.emit`) one session may have unacknowledged (default
   * 1000); past it a reliable emit rejects with `RELIABLE_LIMIT`. Keep it at most
   * `maxPendingAcks`, and at most the Parley client's dedup `window`.
   */
  maxReliablePerSocket?: number;
}

/** Options of `new Server(...)`: Socket.IO's own, plus every engine option (passed through). */
export interface ServerOptions extends EngineOptions {
  /** Where the server listens, default "/socket.io". Shared with the engine. */
  path?: string;
  /** Serve `/socket.io/socket.io.js` and the other client bundles (default true). */
  serveClient?: boolean;
  /**
   * Milliseconds an Engine.IO session may stay without joining any namespace before it is
   * closed (default 45000).
   */
  connectTimeout?: number;
  /** The adapter class (or factory) every namespace uses (default `InMemoryAdapter`). */
  adapter?: AdapterConstructor;
  /** Remove a dynamic child namespace when its last socket leaves (default false). */
  cleanupEmptyChildNamespaces?: boolean;
  /**
   * Acknowledgement callbacks one socket may have waiting (default 1000). Past it the oldest
   * is dropped (a `timeout()` callback gets a `PendingAcksExceededError`).
   */
  maxPendingAcks?: number;
  /** Namespaces one connection may join (default 100); more get CONNECT_ERROR. */
  maxNamespacesPerClient?: number;
  /** Rooms one socket may be in, besides its own (default: no limit). `join` throws past it. */
  maxRoomsPerSocket?: number;
  /**
   * Connection state recovery (off by default): a client whose connection drops abruptly
   * and that comes back within `maxDisconnectionDuration` gets its session back, with the
   * packets it missed. `{}` turns it on with the defaults.
   */
  connectionStateRecovery?: ConnectionStateRecoveryOptions;
  /**
   * A custom parser with socket.io-parser's `{ Encoder, Decoder }` shape, such as
   * `socket.io-msgpack-parser`; clients must use the same one. Default: Parley's own codec
   * (the socket.io-parser wire format).
   */
  parser?: ParserModule;
  /**
   * Rate limiting (off by default): per-socket token buckets for events (`events`), a
   * cluster-wide per-user limit (`users`), per-address handshake rate and open-session caps
   * (`connections`, checked by the engine), and what happens over a limit (`policy`). See
   * "Rate limiting" in the README.
   */
  rateLimit?: RateLimitOptions;
  /** Binary attachments one packet may carry (default 10). */
  maxAttachments?: number;
  /**
   * Where the client bundles are read from (default: `@parley/client`'s `dist/browser`).
   * @internal for tests
   */
  clientDir?: string;
}

/**
 * Socket.IO and engine.io options Parley does not have, and what to do instead. Checked at
 * construction: an option that is accepted must work, so these throw rather than being
 * ignored. (Options Parley has under the same name are not listed; see docs/COMPATIBILITY.md.)
 */
export function assertSupportedOptions(opts: object): void {
  const given = opts as Record<string, unknown>;
  const wsEngine = given.wsEngine;
  // ws's own server is what Parley runs on anyway: passing it changes nothing.
  if (wsEngine !== undefined && wsEngine !== WebSocketServer) {
    throw new TypeError(
      "option wsEngine is not supported: Parley runs on ws (install bufferutil for its native " +
        "masking); remove the option (eiows and uWebSockets.js cannot be plugged in)",
    );
  }
  const transports = given.transports;
  if (Array.isArray(transports) && transports.includes("webtransport")) {
    throw new TypeError(
      'transport "webtransport" is not supported: use ["polling", "websocket"] ' +
        "(WebSocket, with long-polling as the fallback)",
    );
  }
}

/** Option names the session layer keeps to itself; everything else goes to the engine. */
const SESSION_OPTIONS: ReadonlySet<string> = new Set([
  "serveClient",
  "connectTimeout",
  "adapter",
  "cleanupEmptyChildNamespaces",
  "maxPendingAcks",
  "maxNamespacesPerClient",
  "maxRoomsPerSocket",
  "maxAttachments",
  "connectionStateRecovery",
  "parser",
  "clientDir",
]);

export function engineOptionsOf(opts: ServerOptions, path: string): EngineOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (!SESSION_OPTIONS.has(key) && value !== undefined) out[key] = value;
  }
  out.path = `${path}/`;
  return out as EngineOptions;
}

function count(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`option ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function resolveLimits(opts: ServerOptions): ClientLimits {
  const connectTimeout = opts.connectTimeout ?? 45_000;
  if (!(connectTimeout > 0)) throw new TypeError("option connectTimeout must be positive");
  return {
    connectTimeout,
    maxNamespacesPerClient: count("maxNamespacesPerClient", opts.maxNamespacesPerClient, 100),
    maxPendingAcks: Math.max(1, count("maxPendingAcks", opts.maxPendingAcks, 1000)),
    maxRoomsPerSocket:
      opts.maxRoomsPerSocket === undefined
        ? undefined
        : count("maxRoomsPerSocket", opts.maxRoomsPerSocket, 0),
    maxAttachments: count("maxAttachments", opts.maxAttachments, DEFAULT_LIMITS.maxAttachments),
    maxPacketLength: opts.maxHttpBufferSize ?? DEFAULT_LIMITS.maxPacketLength,
  };
}

export function resolveRecovery(opts: ServerOptions): RecoveryOptions | undefined {
  const csr = opts.connectionStateRecovery;
  if (csr === undefined || csr === null) return undefined;
  const maxDisconnectionDuration = csr.maxDisconnectionDuration ?? 2 * 60 * 1000;
  if (!(maxDisconnectionDuration >= 0) || !Number.isFinite(maxDisconnectionDuration)) {
    throw new TypeError("option connectionStateRecovery.maxDisconnectionDuration must be >= 0");
  }
  return Object.freeze({
    maxDisconnectionDuration,
    skipMiddlewares: csr.skipMiddlewares !== false,
    maxSessions: count("connectionStateRecovery.maxSessions", csr.maxSessions, 100_000),
    maxPackets: count("connectionStateRecovery.maxPackets", csr.maxPackets, 100_000),
    maxBytes: count("connectionStateRecovery.maxBytes", csr.maxBytes, 64 * 1024 * 1024),
    maxReliablePerSocket: Math.max(
      1,
      count("connectionStateRecovery.maxReliablePerSocket", csr.maxReliablePerSocket, 1000),
    ),
  });
}

/** "/socket.io/" or "socket.io" → "/socket.io". */
export function normalizeServerPath(path: string | undefined): string {
  let p = (path ?? "/socket.io").replace(/\/+$/, "");
  if (!p.startsWith("/")) p = `/${p}`;
  return p;
}
