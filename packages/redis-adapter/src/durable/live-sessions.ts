import type { AdapterSocket, PersistedSession, PrivateSessionId, SocketId } from "@parley/server";
import { encode } from "../codec.js";
import { homeOf } from "./offsets.js";
import type { RedisDurableStore } from "./store.js";

/** How often a server says it is alive and keeps its sessions' homes from expiring. */
export const REFRESH_MS = 1000;

/** How long a restored session's start waits for its socket's first record. */
const START_KEPT_MS = 60_000;

/**
 * The sessions of this server's connected sockets, kept in Redis so that they outlive the
 * server: a server killed with SIGKILL never gets to say its sockets dropped.
 *
 * Each socket's record (its id, rooms and `data`, prefixed by this server's uid, the owner)
 * is written in its home's hash (the home is in its pid) when it connects and after each
 * room change, coalesced per socket and tick. Every `REFRESH_MS` this server stamps its
 * `alive` key and extends the homes of its sockets, both by `window + 3 × REFRESH_MS`: when
 * the server dies, its records stay readable for the recovery window after its last stamp,
 * then Redis expires them. `socket.data` is saved with each record: a change to it made
 * after the socket's last join or leave is kept when the socket drops cleanly (its record is
 * rewritten then), not when its server is killed.
 */
export class LiveSessions {
  readonly #store: RedisDurableStore;
  readonly #uid: string;
  readonly #ttlMs: number;
  readonly #epoch: string;
  readonly #warn: (message: string) => void;
  readonly #dirty = new Map<SocketId, AdapterSocket>();
  /** Home → pids of this server's connected sockets filed there. */
  readonly #homes = new Map<string, Set<PrivateSessionId>>();
  /** Persisted just now: the disconnect that follows must not delete the record. */
  readonly #persisted = new Set<PrivateSessionId>();
  /**
   * Restored sessions' starts, written with their first record here, then forgotten; one
   * whose socket never came (refused on admission) is swept after `START_KEPT_MS`.
   */
  readonly #starts = new Map<PrivateSessionId, { start: string; at: number }>();
  #scheduled = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    store: RedisDurableStore,
    uid: string,
    windowMs: number,
    epoch: string,
    warn: (message: string) => void,
  ) {
    this.#store = store;
    this.#uid = uid;
    this.#ttlMs = windowMs + 3 * REFRESH_MS;
    this.#epoch = epoch;
    this.#warn = warn;
  }

  start(): void {
    this.#refresh();
    this.#timer = setInterval(() => this.#refresh(), REFRESH_MS);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#dirty.clear();
    this.#starts.clear();
  }

  /**
   * A session restored here began at `start` (its offset then): its first record here says so,
   * rather than the history's head now, so that a restore without an offset still replays
   * from where the session began.
   */
  restored(pid: PrivateSessionId, start: string): void {
    this.#starts.set(pid, { start, at: Date.now() });
  }

  /** The record of a session: owner uid, then the encoded `{ sid, rooms, data }`. */
  record(session: Omit<PersistedSession, "pid">): Buffer {
    const body = encode({ sid: session.sid, rooms: session.rooms, data: session.data ?? null });
    return Buffer.concat([Buffer.from(this.#uid), Buffer.from(body)]);
  }

  /** A socket connected or changed rooms: its record is rewritten at the end of the tick. */
  touched(socket: AdapterSocket): void {
    if (socket._pid === undefined) return;
    this.#dirty.set(socket.id, socket);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  /** A socket dropped recoverably: its record becomes a disconnected one, at once. */
  persist(session: PersistedSession): Promise<void> {
    this.#dirty.delete(session.sid);
    this.#forget(session.pid);
    this.#persisted.add(session.pid);
    return this.#store.persist(this.#home(session.pid), session.pid, this.record(session));
  }

  /** A socket left its namespace: its record goes, unless it was just persisted. */
  gone(socket: AdapterSocket): void {
    const pid = socket._pid;
    this.#dirty.delete(socket.id);
    if (pid !== undefined) this.#starts.delete(pid);
    if (pid === undefined || this.#persisted.delete(pid)) return;
    if (!this.#forget(pid)) return;
    this.#store
      .live(this.#home(pid), this.#ttlMs, this.#epoch, [[pid, "", ""]])
      .catch((err: unknown) => this.#warn(`could not remove a session record: ${String(err)}`));
  }

  #home(pid: PrivateSessionId): string {
    return homeOf(pid) ?? this.#uid;
  }

  /** Whether the pid had a record here. */
  #forget(pid: PrivateSessionId): boolean {
    const home = this.#home(pid);
    const pids = this.#homes.get(home);
    if (pids === undefined || !pids.delete(pid)) return false;
    if (pids.size === 0) this.#homes.delete(home);
    return true;
  }

  #flush(): void {
    this.#scheduled = false;
    const byHome = new Map<string, [PrivateSessionId, Buffer, string][]>();
    for (const socket of this.#dirty.values()) {
      const pid = socket._pid;
      if (pid === undefined) continue;
      const home = this.#home(pid);
      let records = byHome.get(home);
      if (records === undefined) {
        records = [];
        byHome.set(home, records);
      }
      const start = this.#starts.get(pid)?.start ?? "";
      this.#starts.delete(pid);
      records.push([
        pid,
        this.record({ sid: socket.id, rooms: [...socket.rooms], data: socket.data }),
        start,
      ]);
      let pids = this.#homes.get(home);
      if (pids === undefined) {
        pids = new Set();
        this.#homes.set(home, pids);
      }
      pids.add(pid);
    }
    this.#dirty.clear();
    for (const [home, records] of byHome) {
      this.#store
        .live(home, this.#ttlMs, this.#epoch, records)
        .catch((err: unknown) => this.#warn(`could not write session records: ${String(err)}`));
    }
  }

  #refresh(): void {
    if (this.#starts.size > 0) {
      const old = Date.now() - START_KEPT_MS;
      for (const [pid, { at }] of this.#starts) if (at < old) this.#starts.delete(pid);
    }
    this.#store
      .refresh(this.#uid, [...this.#homes.keys()], this.#ttlMs)
      .catch((err: unknown) => this.#warn(`could not refresh session records: ${String(err)}`));
  }
}
