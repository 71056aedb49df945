import {
  limitError,
  RELIABLE_GRACE_MS,
  type ReliableEntry,
  type ReliablePid,
  type ReliableStore,
  type ReliableStoreOptions,
} from "./store.js";

interface PendingSet {
  /** The last seq handed out. */
  top: number;
  readonly entries: Map<number, readonly unknown[]>;
  expiresAt: number;
}

/** Sets looked at per `add` for expiry: amortized, so no timer per set and no sweep pause. */
const SWEEP_PER_ADD = 4;

/**
 * Reliable packets in this process's memory: "acknowledged by the server" means kept here,
 * so they survive dropped connections and reconnections to this server, not its death.
 * The arguments are kept by reference, as the client's send buffer keeps them (do not mutate
 * them after emitting).
 *
 * Expiry without timers: sets are kept in order of last use (each use moves its set to the
 * end), and every `add` drops up to `SWEEP_PER_ADD` expired ones from the front; a set found
 * expired when used is treated as absent.
 */
export class MemoryReliableStore implements ReliableStore {
  readonly maxPerSession: number;
  readonly #ttl: number;
  readonly #sets = new Map<ReliablePid, PendingSet>();

  constructor(opts: ReliableStoreOptions) {
    this.maxPerSession = opts.maxPerSession;
    this.#ttl = opts.windowMs + RELIABLE_GRACE_MS;
  }

  /** Sets kept (for tests). */
  get size(): number {
    return this.#sets.size;
  }

  add(pid: ReliablePid, data: readonly unknown[], floor: number): Promise<number> {
    const now = Date.now();
    this.#sweep(now);
    let set = this.#use(pid, now);
    if (set === undefined) {
      set = { top: 0, entries: new Map(), expiresAt: 0 };
      this.#sets.set(pid, set);
    }
    if (set.entries.size >= this.maxPerSession) {
      return Promise.reject(limitError(this.maxPerSession));
    }
    set.top = Math.max(set.top, floor) + 1;
    set.entries.set(set.top, data);
    set.expiresAt = now + this.#ttl;
    return Promise.resolve(set.top);
  }

  ack(pid: ReliablePid, seqs: readonly number[]): Promise<void> {
    const set = this.#use(pid, Date.now());
    if (set !== undefined) for (const seq of seqs) set.entries.delete(seq);
    return Promise.resolve();
  }

  pending(pid: ReliablePid): Promise<ReliableEntry[]> {
    const set = this.#use(pid, Date.now());
    const out: ReliableEntry[] = [];
    // Map order is insertion order, which is seq order (seqs only grow).
    if (set !== undefined) for (const [seq, data] of set.entries) out.push({ seq, data });
    return Promise.resolve(out);
  }

  refresh(pids: readonly ReliablePid[]): Promise<void> {
    const now = Date.now();
    for (const pid of pids) this.#use(pid, now);
    return Promise.resolve();
  }

  drop(pid: ReliablePid): Promise<void> {
    this.#sets.delete(pid);
    return Promise.resolve();
  }

  /** The live set of `pid`, re-armed and moved to the end; undefined if absent or expired. */
  #use(pid: ReliablePid, now: number): PendingSet | undefined {
    const set = this.#sets.get(pid);
    if (set === undefined) return undefined;
    this.#sets.delete(pid);
    if (set.expiresAt <= now) return undefined;
    set.expiresAt = now + this.#ttl;
    this.#sets.set(pid, set);
    return set;
  }

  #sweep(now: number): void {
    let looked = 0;
    for (const [pid, set] of this.#sets) {
      if (set.expiresAt > now || looked++ >= SWEEP_PER_ADD) return;
      this.#sets.delete(pid);
    }
  }
}
