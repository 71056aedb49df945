import { type Packet, PacketType } from "@parley/protocol";
import type { Socket } from "../socket.js";
import type { DisconnectReason } from "../socket-types.js";
import type {
  RateLimitInfo,
  RateLimitOptions,
  RateLimitPolicy,
  RateLimitScope,
  UserRateLimitOptions,
} from "./options.js";
import { RateLimitedError } from "./rate-limited-error.js";
import { type BucketRule, bucketRule, monotonicMs, TokenBucket } from "./token-bucket.js";
import { MemoryUserRateStore, type UserRateStore } from "./user-store.js";

/** What the limiter needs of a socket (kept narrow: the socket's generics stay out of it). */
export interface LimitedSocket {
  readonly connected: boolean;
  readonly nsp: { readonly name: string };
  _sendPacket(packet: Packet): void;
  _onclose(reason: DisconnectReason, description?: unknown): void;
  _onAdmittedEvent(packet: Packet): void;
}

/** A socket's buckets, made at its first event (only when events are limited at all). */
class Allowance {
  readonly all: TokenBucket | undefined;
  readonly perEvent: (TokenBucket | undefined)[];
  /** A `rate_limited` notice went out and no event was let through since. */
  noticed = false;

  constructor(all: BucketRule | undefined, perEventCount: number, now: number) {
    this.all = all === undefined ? undefined : new TokenBucket(all, now);
    this.perEvent = new Array(perEventCount);
  }
}

interface UserLimit {
  readonly key: UserRateLimitOptions["key"];
  readonly limit: number;
  readonly windowMs: number;
  readonly store: UserRateStore;
}

/** Identities known to be over their limit are swept past this many entries. */
const BLOCKED_SWEEP_SIZE = 4096;

/**
 * The `rateLimit` option's event limits for one server: per-socket token buckets (every event,
 * and single event names) and the per-user limit, applied before an event reaches any
 * middleware, `onAny` listener or handler. Exists only when `rateLimit.events` or
 * `rateLimit.users` is given: otherwise sockets pay one `undefined` check per event.
 */
export class EventRateLimiter {
  readonly #all: BucketRule | undefined;
  readonly #eventIndex = new Map<string, number>();
  readonly #eventRules: BucketRule[] = [];
  readonly #users: UserLimit | undefined;
  readonly #policy: RateLimitPolicy;
  readonly #onLimited: RateLimitOptions["onLimited"];
  readonly #report: (err: unknown, where: string) => void;
  /** Keyed by socket: nothing is added to a socket, and a gone socket's buckets go with it. */
  readonly #allowances = new WeakMap<LimitedSocket, Allowance>();
  /** Identity → monotonic time until which the store said it is over (spares the store). */
  readonly #blocked = new Map<string, number>();

  /** The limiter for `opts`, or undefined when no event limit is configured. */
  static from(
    opts: RateLimitOptions | undefined,
    report: (err: unknown, where: string) => void,
  ): EventRateLimiter | undefined {
    if (opts === undefined || (opts.events === undefined && opts.users === undefined)) {
      return undefined;
    }
    return new EventRateLimiter(opts, report);
  }

  private constructor(opts: RateLimitOptions, report: (err: unknown, where: string) => void) {
    const events = opts.events;
    if (events !== undefined) {
      if (events.rate !== undefined || events.burst !== undefined) {
        this.#all = bucketRule("rateLimit.events", events.rate, events.burst);
      }
      for (const [name, rule] of Object.entries(events.perEvent ?? {})) {
        this.#eventIndex.set(name, this.#eventRules.length);
        this.#eventRules.push(
          bucketRule(`rateLimit.events.perEvent.${name}`, rule.rate, rule.burst),
        );
      }
    }
    if (opts.users !== undefined) this.#users = userLimit(opts.users);
    const policy = opts.policy ?? "notify";
    if (policy !== "drop" && policy !== "notify" && policy !== "disconnect") {
      throw new TypeError(
        `option rateLimit.policy must be "drop", "notify" or "disconnect", got ${String(policy)}`,
      );
    }
    this.#policy = policy;
    this.#onLimited = opts.onLimited;
    this.#report = report;
  }

  /**
   * Whether an incoming event goes on now. False when it was refused (the policy applied) or
   * waits for the user store: then `socket._onAdmittedEvent(packet)` follows if it passes.
   */
  admit(socket: LimitedSocket, packet: Packet): boolean {
    const now = monotonicMs();
    const event = (packet.data as unknown[])[0] as string;
    let allowance = this.#allowances.get(socket);
    if (allowance === undefined) {
      allowance = new Allowance(this.#all, this.#eventRules.length, now);
      this.#allowances.set(socket, allowance);
    }
    let wait = this.#all === undefined ? 0 : (allowance.all as TokenBucket).wait(this.#all, now);
    let scope: RateLimitScope = "socket";
    const index = this.#eventIndex.get(event);
    let named: TokenBucket | undefined;
    if (index !== undefined) {
      const rule = this.#eventRules[index] as BucketRule;
      named = allowance.perEvent[index] ??= new TokenBucket(rule, now);
      const namedWait = named.wait(rule, now);
      if (namedWait > wait) {
        wait = namedWait;
        scope = "event";
      }
    }
    if (wait > 0) {
      this.#refuse(socket, packet, allowance, {
        code: "RATE_LIMITED",
        scope,
        event,
        retryAfterMs: wait,
      });
      return false;
    }
    allowance.all?.take();
    named?.take();
    return this.#users === undefined
      ? this.#pass(allowance)
      : this.#admitUser(socket, packet, allowance, event, now);
  }

  #pass(allowance: Allowance): true {
    allowance.noticed = false;
    return true;
  }

  #admitUser(
    socket: LimitedSocket,
    packet: Packet,
    allowance: Allowance,
    event: string,
    now: number,
  ): boolean {
    const users = this.#users as UserLimit;
    let key: string | undefined;
    try {
      key = users.key(socket as unknown as Socket);
    } catch (err) {
      this.#report(err, "rateLimit.users.key");
    }
    if (typeof key !== "string") return this.#pass(allowance);
    const blockedUntil = this.#blocked.get(key);
    if (blockedUntil !== undefined) {
      if (blockedUntil > now) {
        const retryAfterMs = Math.ceil(blockedUntil - now);
        this.#refuse(socket, packet, allowance, {
          code: "RATE_LIMITED",
          scope: "user",
          event,
          retryAfterMs,
        });
        return false;
      }
      this.#blocked.delete(key);
    }
    let verdict: number | Promise<number>;
    try {
      verdict = users.store.consume(key, users.limit, users.windowMs);
    } catch (err) {
      // The store failing must not silence every user: the event goes on, the error is reported.
      this.#report(err, "rateLimit.users.store");
      return this.#pass(allowance);
    }
    if (typeof verdict === "number") {
      return this.#userVerdict(socket, packet, allowance, key, event, verdict);
    }
    // Replies of one Redis connection come back in order, so admitted events keep theirs.
    verdict.then(
      (wait) => {
        if (!socket.connected) return;
        if (this.#userVerdict(socket, packet, allowance, key, event, wait)) {
          socket._onAdmittedEvent(packet);
        }
      },
      (err: unknown) => {
        this.#report(err, "rateLimit.users.store");
        if (socket.connected) socket._onAdmittedEvent(packet);
      },
    );
    return false;
  }

  #userVerdict(
    socket: LimitedSocket,
    packet: Packet,
    allowance: Allowance,
    key: string,
    event: string,
    wait: number,
  ): boolean {
    if (!(wait > 0)) return this.#pass(allowance);
    const retryAfterMs = Math.ceil(wait);
    if (this.#blocked.size >= BLOCKED_SWEEP_SIZE) this.#sweepBlocked(monotonicMs());
    this.#blocked.set(key, monotonicMs() + retryAfterMs);
    this.#refuse(socket, packet, allowance, {
      code: "RATE_LIMITED",
      scope: "user",
      event,
      retryAfterMs,
    });
    return false;
  }

  #refuse(socket: LimitedSocket, packet: Packet, allowance: Allowance, info: RateLimitInfo): void {
    const nsp = socket.nsp.name;
    if (packet.id !== undefined) {
      socket._sendPacket({ type: PacketType.ACK, nsp, id: packet.id, data: [{ error: info }] });
    }
    if (this.#onLimited !== undefined) {
      try {
        this.#onLimited(socket as unknown as Socket, info);
      } catch (err) {
        this.#report(err, "rateLimit.onLimited");
      }
    }
    if (this.#policy === "drop") return;
    if (this.#policy === "notify") {
      if (allowance.noticed) return;
      allowance.noticed = true;
    }
    // Written straight to this client: a notice, not application data kept for recovery.
    socket._sendPacket({ type: PacketType.EVENT, nsp, data: ["rate_limited", info] });
    if (this.#policy === "disconnect" && socket.connected) {
      socket._sendPacket({ type: PacketType.DISCONNECT, nsp });
      socket._onclose("server namespace disconnect", new RateLimitedError(info));
    }
  }

  #sweepBlocked(now: number): void {
    for (const [key, until] of this.#blocked) if (until <= now) this.#blocked.delete(key);
  }
}

function userLimit(users: UserRateLimitOptions): UserLimit {
  if (typeof users.key !== "function") {
    throw new TypeError(
      "option rateLimit.users.key must be a function (socket) => string | undefined",
    );
  }
  for (const name of ["limit", "windowMs"] as const) {
    const value = users[name];
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(
        `option rateLimit.users.${name} must be an integer >= 1, got ${String(value)}`,
      );
    }
  }
  return {
    key: users.key,
    limit: users.limit,
    windowMs: users.windowMs,
    store: users.store ?? new MemoryUserRateStore(),
  };
}
