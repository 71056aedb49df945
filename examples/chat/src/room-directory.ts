import type { RoomDelta, RoomInfo } from "./events.js";
import type { HistoryStore } from "./history/store.js";
import { type ChatPresence, onlineByRoom } from "./presence.js";
import type { ChatIo } from "./types.js";

/**
 * The room list: the default rooms and every room someone is in, with online counts.
 *
 * Rooms nobody is in are forgotten (with their history), so creating and leaving rooms in a
 * loop leaves nothing behind. Clients get the list once per connection (`room:list`) and
 * then only what changed (`room:delta`), never the whole list again: a change costs bytes
 * in proportion to the change. In a cluster every instance computes the same list (online
 * counts come from presence, cluster-wide) and sends its own deltas; they are
 * idempotent (set a count, remove a name), so an update two instances both send is harmless.
 */
export class RoomDirectory {
  readonly #io: ChatIo;
  readonly #store: HistoryStore;
  readonly #presence: ChatPresence;
  #rooms = new Map<string, number>();

  constructor(io: ChatIo, store: HistoryStore, presence: ChatPresence) {
    this.#io = io;
    this.#store = store;
    this.#presence = presence;
  }

  /** Rooms listed now (as of the last update). */
  get size(): number {
    return this.#rooms.size;
  }

  has(room: string): boolean {
    return this.#rooms.has(room);
  }

  list(): RoomInfo[] {
    return [...this.#rooms].map(([name, online]) => ({ name, online }));
  }

  /** Recomputes the list, forgets empty rooms, and sends what changed to every client. */
  async update(): Promise<RoomDelta> {
    const stored = await this.#store.rooms();
    const online = onlineByRoom(this.#presence);
    const next = new Map<string, number>();
    const forgotten: Promise<void>[] = [];
    for (const name of stored) {
      const count = online.get(name) ?? 0;
      // forgetRoom keeps default rooms: they stay listed with 0 online.
      if (count === 0) forgotten.push(this.#store.forgetRoom(name));
      next.set(name, count);
    }
    for (const [name, count] of online) next.set(name, count);
    await Promise.all(forgotten);
    const kept = new Set(await this.#store.rooms());
    for (const [name, count] of next) if (count === 0 && !kept.has(name)) next.delete(name);
    const delta = diff(this.#rooms, next);
    this.#rooms = new Map([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (delta.upserted.length > 0 || delta.removed.length > 0) {
      this.#io.emit("room:delta", delta);
    }
    return delta;
  }
}

function diff(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): RoomDelta {
  const upserted: RoomInfo[] = [];
  const removed: string[] = [];
  for (const [name, online] of after) {
    if (before.get(name) !== online) upserted.push({ name, online });
  }
  for (const name of before.keys()) if (!after.has(name)) removed.push(name);
  return { upserted, removed };
}
