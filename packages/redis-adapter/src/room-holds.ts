import type { Room } from "@parley/server";

const MAX_DELAY_MS = 2 ** 31 - 1;

interface Hold {
  readonly rooms: readonly Room[];
  readonly until: number;
}

/**
 * Rooms whose channels stay subscribed for sessions waiting to be recovered.
 *
 * With room channels, a server hears a room's broadcasts only while it has local members in
 * it. When a socket drops, its server keeps its session for connection state recovery, and
 * must go on storing what is sent to its rooms meanwhile, or the client comes back to find
 * packets silently missing. So each persisted session holds its rooms for the recovery window.
 *
 * A hold is released when the window has passed, whether or not the session was taken back
 * (a restored socket joins the rooms again anyway; releasing earlier could drop and re-take a
 * subscription in between and lose what was published in that gap). Every hold lasts the same
 * time, so they expire in the order they were taken: one queue, one timer. Bounded by
 * `maxHolds` (the recovery store's session bound): past it, the oldest hold goes first.
 */
export class RoomHolds {
  readonly #durationMs: number;
  readonly #maxHolds: number;
  readonly #onReleased: (room: Room) => void;
  readonly #counts = new Map<Room, number>();
  #queue: Hold[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param onReleased called for each room no hold keeps any longer */
  constructor(durationMs: number, maxHolds: number, onReleased: (room: Room) => void) {
    this.#durationMs = durationMs;
    this.#maxHolds = maxHolds;
    this.#onReleased = onReleased;
  }

  /** Whether some session waiting for recovery keeps `room` subscribed. */
  has(room: Room): boolean {
    return this.#counts.has(room);
  }

  /** The rooms some hold keeps. */
  rooms(): IterableIterator<Room> {
    return this.#counts.keys();
  }

  /** Holds currently kept (for tests and metrics). */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  hold(rooms: readonly Room[]): void {
    if (rooms.length === 0 || this.#maxHolds === 0) return;
    for (const room of rooms) this.#counts.set(room, (this.#counts.get(room) ?? 0) + 1);
    this.#queue.push({ rooms, until: Date.now() + this.#durationMs });
    while (this.size > this.#maxHolds) this.#releaseOldest();
    this.#schedule();
  }

  /** Drops every hold without reporting releases (the adapter is closing). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#counts.clear();
    this.#queue = [];
    this.#head = 0;
  }

  #releaseOldest(): void {
    const hold = this.#queue[this.#head];
    if (hold === undefined) return;
    this.#head++;
    // Compact now and then, so releasing from the front stays O(1) amortised.
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    for (const room of hold.rooms) {
      const count = (this.#counts.get(room) ?? 1) - 1;
      if (count > 0) {
        this.#counts.set(room, count);
        continue;
      }
      this.#counts.delete(room);
      this.#onReleased(room);
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const next = this.#queue[this.#head];
    if (next === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = Date.now();
        while ((this.#queue[this.#head]?.until ?? Number.POSITIVE_INFINITY) <= now) {
          this.#releaseOldest();
        }
        this.#schedule();
      },
      // setTimeout treats delays past 2^31 - 1 ms as 1 ms: wake up earlier and look again.
      Math.min(MAX_DELAY_MS, Math.max(0, next.until - Date.now())),
    );
    this.#timer.unref();
  }
}
