/**
 * Where reliable (at-least-once) packets wait for their client's acknowledgement: the
 * contract every store keeps, the errors it reports, and the timing constants the server and
 * the stores share. Two implementations share one conformance suite
 * (test/support/reliable-store-conformance.ts): `MemoryReliableStore` (this process's
 * memory, the default) and `RedisReliableStore` (@parley/redis-adapter with
 * `durableSessions: true`).
 */

/** A private session id (connection state recovery): the key of a socket's pending set. */
export type ReliablePid = string;

/** One packet waiting for its client's acknowledgement. */
export interface ReliableEntry {
  /** Its message id: what the Parley client deduplicates by. */
  readonly seq: number;
  /** `[event, ...args]` as they were emitted. */
  readonly data: readonly unknown[];
}

/**
 * Stable error codes of reliable emits (`err.code`):
 * - `RELIABLE_LIMIT`: the session already has `maxReliablePerSocket` packets unacknowledged;
 *   nothing was stored. The client is not reading: the app decides (wait, disconnect it).
 * - `RELIABLE_NEEDS_RECOVERY`: the server has no `connectionStateRecovery`, so there is no
 *   session to redeliver to.
 * - `RELIABLE_SESSION_ENDED`: the socket left for good (client or server disconnect, not a
 *   dropped connection): nothing will ever be redelivered to it.
 * - `RELIABLE_BAD_ARGUMENT`: an ack callback was passed (reliable emits are acknowledged by
 *   the client's transport of the ack, not by an app callback), or a reserved event name.
 */
export type ReliableErrorCode =
  | "RELIABLE_LIMIT"
  | "RELIABLE_NEEDS_RECOVERY"
  | "RELIABLE_SESSION_ENDED"
  | "RELIABLE_BAD_ARGUMENT";

export class ReliableError extends Error {
  readonly code: ReliableErrorCode;
  constructor(code: ReliableErrorCode, message: string) {
    super(message);
    this.name = "ReliableError";
    this.code = code;
  }
}

/** Default of `connectionStateRecovery.maxReliablePerSocket`. */
export const DEFAULT_MAX_RELIABLE_PER_SOCKET = 1000;

/**
 * How often a server re-arms the expiry of the pending sets of its connected sockets that
 * still wait for acknowledgements (one command per namespace and tick, not a timer per
 * socket).
 */
export const RELIABLE_REFRESH_MS = 1000;

/**
 * What a pending set gets beyond `maxDisconnectionDuration`: two refresh periods, so that it
 * outlives its session's record (which lives `maxDisconnectionDuration` from the drop, or
 * from its server's last refresh when that server was killed).
 */
export const RELIABLE_GRACE_MS = 2 * RELIABLE_REFRESH_MS;

/**
 * The pending sets of one namespace, keyed by private session id. Guarantees every
 * implementation keeps (the conformance suite checks each):
 *
 * - **Acknowledged by the store.** `add` resolves only once the entry is kept where this
 *   store keeps things (memory: at once; Redis: once Redis answered the write, so it is as
 *   durable as Redis's persistence settings make that write). Until then nothing is promised.
 * - **Message ids.** The seq `add` resolves with is greater than `floor` and than every seq
 *   returned earlier for that pid while its set was kept. Adds for one pid, issued in order
 *   (from one process), get increasing seqs.
 * - **Bounded.** A pid holds at most `maxPerSession` entries: `add` past it rejects with
 *   `ReliableError("RELIABLE_LIMIT")` and keeps nothing.
 * - **Retention.** An entry is kept until `ack`ed or `drop`ped, or until its set has seen no
 *   `add`, `ack`, `pending` or `refresh` for `windowMs` + `RELIABLE_GRACE_MS` (expiry is the
 *   store's own: Redis TTLs, not timers per entry).
 * - **Order.** `pending` lists the kept entries by increasing seq, with `data` equal to what
 *   was added (JSON values; binary parts come back as binary).
 * - `ack` of an unknown or already acknowledged seq is a no-op; so is `drop` of an unknown pid.
 */
export interface ReliableStore {
  readonly maxPerSession: number;
  /**
   * Other servers read these sets too (Redis): a packet stored for a session whose live
   * socket is elsewhere is announced to them (`reliable-notify`). Absent: this process only.
   */
  readonly shared?: boolean;
  add(pid: ReliablePid, data: readonly unknown[], floor: number): Promise<number>;
  ack(pid: ReliablePid, seqs: readonly number[]): Promise<void>;
  pending(pid: ReliablePid): Promise<ReliableEntry[]>;
  /** Re-arms the expiry of these sets (those of connected sockets awaiting acks). */
  refresh(pids: readonly ReliablePid[]): Promise<void>;
  drop(pid: ReliablePid): Promise<void>;
}

/** The settings a store is built with, from `connectionStateRecovery`. */
export interface ReliableStoreOptions {
  readonly maxPerSession: number;
  /** `maxDisconnectionDuration`. */
  readonly windowMs: number;
}

export function limitError(max: number): ReliableError {
  return new ReliableError(
    "RELIABLE_LIMIT",
    `this session already has ${max} reliable packets unacknowledged (maxReliablePerSocket)`,
  );
}
