import type { IncomingMessage } from "node:http";
import type { Socket } from "../socket.js";
import type { UserRateStore } from "./user-store.js";

/** `rate` per second, `burst` at once (default: one second's worth, at least 1). */
export interface BucketOptions {
  rate: number;
  burst?: number;
}

/**
 * Per-socket token buckets for incoming events. `rate`/`burst` bound every event of the
 * socket together; `perEvent` bounds single event names on top (an event must find a token
 * in both). Each may be given alone.
 */
export interface EventRateLimitOptions {
  rate?: number;
  burst?: number;
  perEvent?: Readonly<Record<string, BucketOptions>>;
}

/**
 * What happens to an event over a limit. In every policy the event never reaches a handler,
 * middleware or `onAny` listener, and an event sent with an acknowledgement gets
 * `{ error: { code: "RATE_LIMITED", retryAfterMs, scope, event } }` as its ack, so no client
 * waits for an answer that will never come.
 *
 * - `"drop"`: nothing more.
 * - `"notify"` (default): the client also gets a `rate_limited` event with the same object,
 *   once per limited stretch (not once per dropped event, so a flood is not answered by
 *   one; again only after an event was let through).
 * - `"disconnect"`: the client gets the `rate_limited` event, then the socket is disconnected
 *   (server side: `disconnect` with "server namespace disconnect" and a `RateLimitedError`
 *   as its description).
 */
export type RateLimitPolicy = "drop" | "notify" | "disconnect";

/** Which limit an event ran into. */
export type RateLimitScope = "socket" | "event" | "user";

/** What a limited client is told (its ack's `error`, the `rate_limited` event's argument). */
export interface RateLimitInfo {
  readonly code: "RATE_LIMITED";
  readonly scope: RateLimitScope;
  /** The event name that was refused. */
  readonly event: string;
  /** When an event of this kind would be accepted again, in milliseconds (rounded up). */
  readonly retryAfterMs: number;
}

/**
 * A cluster-wide limit per user: at most `limit` events per `windowMs` for one identity,
 * counted over every socket of that identity on every server sharing `store`.
 */
export interface UserRateLimitOptions {
  /**
   * The identity of a socket's user (from `socket.data`, `socket.handshake.auth`…), read on
   * each event; `undefined` leaves the socket out of this limit.
   */
  key(socket: Socket): string | undefined;
  /** Events per window per identity (>= 1). */
  limit: number;
  /** Window length in milliseconds (>= 1). */
  windowMs: number;
  /**
   * Where counts live. Default: a `MemoryUserRateStore` (this server only). For a cluster,
   * `RedisUserRateStore` from `@parley/redis-adapter`.
   */
  store?: UserRateStore;
}

/** Handshakes per client address: rate and concurrent sessions. Checked by the engine. */
export interface ConnectionRateLimitOptions {
  /** Handshakes per second per address (token bucket; `burst` default: one second's worth). */
  rate?: number;
  burst?: number;
  /** Engine.IO sessions one address may hold open at once. */
  maxPerAddress?: number;
  /**
   * Read the client address from `X-Forwarded-For` (default false: the TCP peer). `true`
   * trusts one proxy: the last address in the header, the one your proxy appended; `n`
   * trusts `n` proxies in a chain (the n-th address from the right). Only turn it on behind
   * a proxy that sets the header: otherwise any client picks its own address.
   */
  trustProxy?: boolean | number;
  /** Full control: the key a request is counted under (undefined: not limited). */
  address?(req: IncomingMessage): string | undefined;
}

/** The part of `rateLimit` the engine reads (`new Engine({ rateLimit: { connections } })`). */
export interface EngineRateLimitOptions {
  connections?: ConnectionRateLimitOptions;
}

/** `rateLimit`: opt-in; each part on its own. Nothing is allocated for a part not given. */
export interface RateLimitOptions extends EngineRateLimitOptions {
  events?: EventRateLimitOptions;
  users?: UserRateLimitOptions;
  /** Default "notify". */
  policy?: RateLimitPolicy;
  /** Called for every refused event (for logs and metrics); exceptions are reported, not thrown. */
  onLimited?(socket: Socket, info: RateLimitInfo): void;
}
