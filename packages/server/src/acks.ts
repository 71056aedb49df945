/**
 * Acknowledgement callbacks a socket waits for, keyed by packet id.
 *
 * Bounded: at most `limit` callbacks wait at once. Registering one more evicts the OLDEST,
 * which (if it expects an error first, i.e. was sent with `timeout()`) is called with a
 * `PendingAcksExceededError`; a plain callback is dropped, as it would be had the client
 * never answered. Evicting rather than throwing keeps `emit` from throwing at a caller that
 * did nothing wrong: the slow client is the one that loses answers.
 */

import { debugLog } from "./debug.js";
import { type ErrorSink, invokeGuarded } from "./typed-emitter.js";

const log = debugLog("parley:socket", "socket.io:socket");

type AckFn = (...args: unknown[]) => void;

interface PendingAck {
  readonly fn: AckFn;
  /** Called `(err, ...args)`: it was sent with a timeout or is a broadcast collector. */
  readonly withError: boolean;
  /** A broadcast collector's: runs if the reply will never come (disconnect, eviction). */
  readonly gone: AckFn | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class AckTimeoutError extends Error {
  readonly code = "ACK_TIMEOUT";
  constructor() {
    super("operation has timed out");
    this.name = "AckTimeoutError";
  }
}

export class PendingAcksExceededError extends Error {
  readonly code = "PENDING_ACKS_EXCEEDED";
  constructor(limit: number) {
    super(`more than ${limit} acknowledgements pending on this socket; the oldest was dropped`);
    this.name = "PendingAcksExceededError";
  }
}

export class SocketDisconnectedError extends Error {
  readonly code = "SOCKET_DISCONNECTED";
  constructor() {
    super("socket has been disconnected");
    this.name = "SocketDisconnectedError";
  }
}

export class AckRegistry {
  readonly #limit: number;
  readonly #owner: ErrorSink;
  #pending: Map<number, PendingAck> | undefined;

  /** `owner` is the socket: callbacks run with it as `this`, and their errors go to it. */
  constructor(limit: number, owner: ErrorSink) {
    this.#limit = limit;
    this.#owner = owner;
  }

  get size(): number {
    return this.#pending?.size ?? 0;
  }

  /**
   * Waits for the ACK of packet `id`. With `timeoutMs`, `fn` is called `(err, ...args)`:
   * `err` is an `AckTimeoutError` once the time passes, null when the reply came.
   */
  add(id: number, fn: AckFn, timeoutMs?: number): void {
    this.#pending ??= new Map();
    if (this.#pending.size >= this.#limit) this.#evictOldest();
    const entry: PendingAck = {
      fn,
      withError: timeoutMs !== undefined,
      gone: undefined,
      timer: undefined,
    };
    if (timeoutMs !== undefined) {
      entry.timer = setTimeout(() => {
        if (this.#pending?.get(id) !== entry) return;
        this.#pending.delete(id);
        log("event with ack id %d has timed out after %d ms", id, timeoutMs);
        this.#call(fn, [new AckTimeoutError()]);
      }, timeoutMs);
    }
    this.#pending.set(id, entry);
  }

  /**
   * Registers a raw callback that gets the reply's arguments as they are (broadcast acks);
   * `gone` runs instead when the reply will never come (the socket left, or the entry was
   * evicted).
   */
  addRaw(id: number, fn: AckFn, gone?: AckFn): void {
    this.#pending ??= new Map();
    if (this.#pending.size >= this.#limit) this.#evictOldest();
    this.#pending.set(id, { fn, withError: false, gone, timer: undefined });
  }

  /** Hands a reply to its callback. Returns false for an unknown or already-answered id. */
  settle(id: number, args: unknown[]): boolean {
    const entry = this.#pending?.get(id);
    if (entry === undefined) {
      log("bad ack %s", id);
      return false;
    }
    if (log.enabled) log("calling ack %s with %j", id, args);
    this.#pending?.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.#call(entry.fn, entry.withError ? [null, ...args] : args);
    return true;
  }

  /** Forgets one id without calling its callback (a broadcast that timed out). */
  delete(id: number): void {
    const entry = this.#pending?.get(id);
    if (entry === undefined) return;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.#pending?.delete(id);
  }

  /** The socket is gone: callbacks that expect an error get one now; the rest are dropped. */
  clear(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    for (const entry of pending.values()) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      if (entry.withError) this.#call(entry.fn, [new SocketDisconnectedError()]);
      else if (entry.gone !== undefined) this.#call(entry.gone, []);
    }
  }

  #evictOldest(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    const first = pending.entries().next();
    if (first.done === true) return;
    const [id, entry] = first.value;
    pending.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.withError) this.#call(entry.fn, [new PendingAcksExceededError(this.#limit)]);
    else if (entry.gone !== undefined) this.#call(entry.gone, []);
  }

  #call(fn: AckFn, args: unknown[]): void {
    invokeGuarded(this.#owner, fn, args, "ack", this.#owner);
  }
}
