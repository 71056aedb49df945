import type { Adapter, RecoveryOptions } from "../adapter/adapter.js";
import { MemoryReliableStore } from "./memory-store.js";
import {
  DEFAULT_MAX_RELIABLE_PER_SOCKET,
  RELIABLE_REFRESH_MS,
  type ReliablePid,
  type ReliableStore,
} from "./store.js";

/**
 * One namespace's reliable delivery on this server: its store, and the pids of connected
 * sockets that wait for acknowledgements, whose sets it keeps from expiring with one
 * `refresh` per tick (a socket that stays connected never loses its pending packets, however
 * long its client takes to acknowledge them).
 */
export class ReliableNamespace {
  readonly store: ReliableStore;
  readonly #waiting = new Map<ReliablePid, number>();
  readonly #report: (err: unknown) => void;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(store: ReliableStore, report: (err: unknown) => void) {
    this.store = store;
    this.#report = report;
  }

  /** A connected socket of `pid` waits for an acknowledgement (counted: call `release` once each). */
  keep(pid: ReliablePid): void {
    this.#waiting.set(pid, (this.#waiting.get(pid) ?? 0) + 1);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#refresh(), RELIABLE_REFRESH_MS);
      this.#timer.unref();
    }
  }

  release(pid: ReliablePid, count = 1): void {
    const left = (this.#waiting.get(pid) ?? 0) - count;
    if (left > 0) this.#waiting.set(pid, left);
    else this.#waiting.delete(pid);
    if (this.#waiting.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #refresh(): void {
    this.store.refresh([...this.#waiting.keys()]).catch(this.#report);
  }
}

const namespaces = new WeakMap<Adapter, ReliableNamespace>();

/**
 * The reliable delivery of the namespace `adapter` serves: the adapter's own store if it
 * keeps sessions outside the process (`reliableStore()`, e.g. Redis with durable sessions),
 * else one in this process's memory. Created on first use; forgotten with the adapter.
 */
export function reliableNamespace(
  adapter: Adapter,
  recovery: RecoveryOptions,
  report: (err: unknown) => void,
): ReliableNamespace {
  let found = namespaces.get(adapter);
  if (found === undefined) {
    const store =
      adapter.reliableStore?.() ??
      new MemoryReliableStore({
        maxPerSession: recovery.maxReliablePerSocket ?? DEFAULT_MAX_RELIABLE_PER_SOCKET,
        windowMs: recovery.maxDisconnectionDuration,
      });
    found = new ReliableNamespace(store, report);
    namespaces.set(adapter, found);
  }
  return found;
}
