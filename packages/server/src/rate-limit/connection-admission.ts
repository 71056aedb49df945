import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type AddressReader, addressReader } from "./client-address.js";
import { writeTooManyRequests, writeTooManyUpgrades } from "./http-refusal.js";
import type { ConnectionRateLimitOptions } from "./options.js";
import { type BucketRule, bucketRule, monotonicMs, TokenBucket } from "./token-bucket.js";

/** What a refused handshake is told (JSON body) and `connection_error` reports (context). */
export interface ConnectionRefusal {
  readonly name: "CONNECTION_RATE_LIMITED" | "TOO_MANY_CONNECTIONS";
  readonly address: string;
  readonly retryAfterMs: number;
}

/** Handshakes between sweeps of full buckets (a full bucket is the same as none). */
const SWEEP_EVERY = 1024;
/** What a refusal for too many open sessions suggests waiting: no one knows when one closes. */
const CONCURRENCY_RETRY_MS = 1000;

/**
 * Per-address handshake limits for the engine: a token bucket of handshakes per address and a
 * cap on sessions open at once. Made only when `rateLimit.connections` is given; the engine
 * then asks it once per handshake and tells it when a session opens and closes.
 *
 * Memory: one bucket per address that handshook recently (swept once full again), one count
 * per address with sessions open.
 */
export class ConnectionAdmission {
  readonly #address: AddressReader;
  readonly #rule: BucketRule | undefined;
  readonly #max: number | undefined;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #open = new Map<string, number>();
  /** Handshake request → the address it is counted under, until its session closes. */
  readonly #counted = new WeakMap<IncomingMessage, string>();
  readonly #refused: (req: IncomingMessage, refusal: ConnectionRefusal) => void;
  #handshakes = 0;

  static from(
    opts: ConnectionRateLimitOptions | undefined,
    refused: (req: IncomingMessage, refusal: ConnectionRefusal) => void,
  ): ConnectionAdmission | null {
    if (opts === undefined) return null;
    return new ConnectionAdmission(opts, refused);
  }

  private constructor(
    opts: ConnectionRateLimitOptions,
    refused: (req: IncomingMessage, refusal: ConnectionRefusal) => void,
  ) {
    this.#address = addressReader(opts);
    if (opts.rate !== undefined || opts.burst !== undefined) {
      this.#rule = bucketRule("rateLimit.connections", opts.rate, opts.burst);
    }
    const max = opts.maxPerAddress;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new TypeError(
        `option rateLimit.connections.maxPerAddress must be an integer >= 1, got ${String(max)}`,
      );
    }
    this.#max = max;
    this.#refused = refused;
  }

  /**
   * Checks one handshake against the limits (taking a token when it passes); a refusal is
   * reported and returned, for the front to answer 429 its own way (the Bun front answers
   * with a Fetch `Response`: `tooManyResponse`).
   */
  admit(req: IncomingMessage): ConnectionRefusal | undefined {
    const refusal = this.#check(req);
    if (refusal !== undefined) this.#refused(req, refusal);
    return refusal;
  }

  /** Refuses a polling handshake over a limit with 429; true when it did. */
  refuseRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const refusal = this.admit(req);
    if (refusal === undefined) return false;
    writeTooManyRequests(res, refusal);
    return true;
  }

  /** Refuses a WebSocket handshake over a limit with 429 on the raw socket; true when it did. */
  refuseUpgrade(req: IncomingMessage, socket: Duplex): boolean {
    const refusal = this.admit(req);
    if (refusal === undefined) return false;
    writeTooManyUpgrades(socket, refusal);
    return true;
  }

  /** A session opened from an admitted handshake. */
  opened(req: IncomingMessage): void {
    if (this.#max === undefined) return;
    const address = this.#address(req);
    if (address === undefined) return;
    this.#counted.set(req, address);
    this.#open.set(address, (this.#open.get(address) ?? 0) + 1);
  }

  /** A session closed: its address may open another. */
  closed(req: IncomingMessage): void {
    const address = this.#counted.get(req);
    if (address === undefined) return;
    this.#counted.delete(req);
    const left = (this.#open.get(address) ?? 1) - 1;
    if (left <= 0) this.#open.delete(address);
    else this.#open.set(address, left);
  }

  /** Sessions open per address (for tests and tools). */
  openSessions(address: string): number {
    return this.#open.get(address) ?? 0;
  }

  #check(req: IncomingMessage): ConnectionRefusal | undefined {
    const address = this.#address(req);
    if (address === undefined) return undefined;
    if (this.#max !== undefined && (this.#open.get(address) ?? 0) >= this.#max) {
      return { name: "TOO_MANY_CONNECTIONS", address, retryAfterMs: CONCURRENCY_RETRY_MS };
    }
    const rule = this.#rule;
    if (rule === undefined) return undefined;
    const now = monotonicMs();
    if (++this.#handshakes % SWEEP_EVERY === 0) this.#sweep(rule, now);
    let bucket = this.#buckets.get(address);
    if (bucket === undefined) {
      bucket = new TokenBucket(rule, now);
      this.#buckets.set(address, bucket);
    }
    const wait = bucket.wait(rule, now);
    if (wait > 0) return { name: "CONNECTION_RATE_LIMITED", address, retryAfterMs: wait };
    bucket.take();
    return undefined;
  }

  #sweep(rule: BucketRule, now: number): void {
    for (const [address, bucket] of this.#buckets) {
      if (bucket.isFull(rule, now)) this.#buckets.delete(address);
    }
  }
}
