/**
 * The parts of Bun's server API the Bun front uses, as narrow structural types. Written here
 * rather than taken from `bun-types`: those declare Bun's globals for the whole compilation
 * (and clash with `@types/node` in places), and a published `.d.ts` that referenced them
 * would make every Node user of `@parley/server` install them. These few members are stable
 * Bun API since 1.0 (`Bun.serve`, `ServerWebSocket`, topics).
 */

/** One upgraded connection (Bun's `ServerWebSocket<T>`). */
export interface BunWebSocket<T = unknown> {
  /** What `server.upgrade(req, { data })` attached. */
  readonly data: T;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  readonly remoteAddress: string;
  /** Bytes sent, -1 when queued behind backpressure, 0 when dropped (closed). */
  sendText(data: string, compress?: boolean): number;
  sendBinary(data: Uint8Array, compress?: boolean): number;
  close(code?: number, reason?: string): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  isSubscribed(topic: string): boolean;
  /** Bytes queued and not yet written to the socket. */
  getBufferedAmount(): number;
  /** Batches this callback's sends into one write. */
  cork<R>(callback: (ws: BunWebSocket<T>) => R): R;
}

/** What `server.upgrade` takes besides the request. */
export interface BunUpgradeOptions<T> {
  readonly data: T;
  /** Extra headers on the 101 response. */
  readonly headers?: Headers;
}

/** A running `Bun.serve` server, as the engine's handlers see it. */
export interface BunServer {
  readonly port: number;
  readonly hostname: string;
  upgrade<T>(request: Request, options: BunUpgradeOptions<T>): boolean;
  /** Sends to every subscriber of `topic`, in native code; returns bytes sent (0: none). */
  publish(topic: string, data: string | Uint8Array, compress?: boolean): number;
  /** The peer address of a request (null once it is gone). */
  requestIP(request: Request): { address: string; port: number } | null;
  stop(closeActiveConnections?: boolean): unknown;
}

/** Bun's `websocket` handler object (shared by every connection of a server). */
export interface BunWebSocketHandler<T> {
  open(ws: BunWebSocket<T>): void;
  message(ws: BunWebSocket<T>, message: string | Uint8Array): void;
  close(ws: BunWebSocket<T>, code: number, reason: string): void;
  drain(ws: BunWebSocket<T>): void;
  maxPayloadLength?: number;
  idleTimeout?: number;
  backpressureLimit?: number;
  closeOnBackpressureLimit?: boolean;
  perMessageDeflate?: boolean | object;
  sendPings?: boolean;
  publishToSelf?: boolean;
}

/** What `Bun.serve` takes, for the members the engine fills in. */
export interface BunServeOptions<T> {
  port?: number | string;
  hostname?: string;
  fetch(request: Request, server: BunServer): Response | undefined | Promise<Response | undefined>;
  websocket: BunWebSocketHandler<T>;
  maxRequestBodySize?: number;
  idleTimeout?: number;
}

interface BunGlobal {
  serve<T>(options: BunServeOptions<T>): BunServer;
}

/** Bun's global, when this process runs on Bun. */
export function bunRuntime(): BunGlobal | undefined {
  return (globalThis as { Bun?: BunGlobal }).Bun;
}
