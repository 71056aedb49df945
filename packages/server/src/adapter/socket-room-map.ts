import type { Room, SocketId } from "./adapter.js";

/**
 * The stored value of a socket that is in its own room and in no other: it stands for
 * `{ id }`. One shared object, never handed out: a read gives the socket a Set of its own.
 */
export const OWN_ROOM_ONLY: Set<Room> = new Set();

/**
 * A namespace's socket that can hold the "own room and nothing else" mark itself (Parley's
 * `Socket`: one bit of a field it has anyway), so that the most common entry of `sids`, an idle
 * socket, needs no Map entry: a JavaScriptCore `Map` costs 65–170 B per entry at 10k–20k
 * entries (the table grows by powers of two), and `nsp.sockets` holds the socket already.
 */
export interface OwnRoomHolder {
  /** @internal Set only by `SocketRoomMap`: counted there. */
  _ownRoomOnly: boolean;
}

/** The namespace's sockets by id, where the own-room marks are held; undefined for none. */
export type OwnRoomHolders = () => ReadonlyMap<SocketId, object> | undefined;

/**
 * `adapter.sids`: socket id → its rooms, as socket.io's `Map<SocketId, Set<Room>>`. A socket
 * in its own room and no other (every idle socket) is not stored as a Set of one: a Set costs
 * ~290 B in JavaScriptCore (~200 B in V8), and one per socket was the largest single item of
 * an idle connection. It is marked on the socket itself when the namespace has it
 * (`OwnRoomHolder`), with no Map entry, or else stored as the shared `OWN_ROOM_ONLY`. `get`
 * makes it a Set on first read and keeps it, so what `socket.rooms` returns stays live, as
 * socket.io's does; iteration hands out a fresh one-member Set for such a socket each time (a
 * scan over every socket must not re-inflate them all), after the stored entries. The adapter
 * writes through `RoomIndex`; writing through the Map API is not bookkeeping (as in
 * socket.io).
 */
export class SocketRoomMap extends Map<SocketId, Set<Room>> {
  readonly #holders: OwnRoomHolders;
  /** How many sockets carry the mark (so a Map with none skips every holder lookup). */
  #marked = 0;

  constructor(holders: OwnRoomHolders = () => undefined) {
    super();
    this.#holders = holders;
  }

  #holder(id: SocketId): OwnRoomHolder | undefined {
    const socket = this.#holders()?.get(id);
    return socket !== undefined && "_ownRoomOnly" in socket ? (socket as OwnRoomHolder) : undefined;
  }

  #isMarked(id: SocketId): boolean {
    return this.#marked > 0 && this.#holder(id)?._ownRoomOnly === true;
  }

  /** Takes the mark off `id`: it is stored, or gone, from now on. */
  #unmark(id: SocketId): boolean {
    if (!this.#isMarked(id)) return false;
    (this.#holder(id) as OwnRoomHolder)._ownRoomOnly = false;
    this.#marked--;
    return true;
  }

  /** @internal The stored value, `OWN_ROOM_ONLY` for a marked socket too. */
  _stored(id: SocketId): Set<Room> | undefined {
    const rooms = super.get(id);
    if (rooms !== undefined || !this.#isMarked(id)) return rooms;
    return OWN_ROOM_ONLY;
  }

  /** @internal Records `id` (not in `sids` yet) as in its own room and no other. */
  _putOwnRoomOnly(id: SocketId): void {
    const holder = this.#holder(id);
    if (holder === undefined) {
      super.set(id, OWN_ROOM_ONLY);
      return;
    }
    holder._ownRoomOnly = true;
    this.#marked++;
  }

  /** @internal Whether socket `id` is in the room named after it. */
  _inOwnRoom(id: SocketId): boolean {
    const rooms = this._stored(id);
    return rooms === OWN_ROOM_ONLY || (rooms?.has(id) ?? false);
  }

  /** @internal Pushes every socket id onto `out`, making nothing (a broadcast's walk). */
  _pushIds(out: SocketId[]): void {
    for (const id of super.keys()) out.push(id);
    if (this.#marked > 0) pushMarked(this.#holders(), out);
  }

  override get(id: SocketId): Set<Room> | undefined {
    const rooms = this._stored(id);
    if (rooms !== OWN_ROOM_ONLY) return rooms;
    const own = new Set([id]);
    this.set(id, own);
    return own;
  }

  override has(id: SocketId): boolean {
    return super.has(id) || this.#isMarked(id);
  }

  override get size(): number {
    return super.size + this.#marked;
  }

  override set(id: SocketId, rooms: Set<Room>): this {
    this.#unmark(id);
    return super.set(id, rooms);
  }

  override delete(id: SocketId): boolean {
    const marked = this.#unmark(id);
    return super.delete(id) || marked;
  }

  override clear(): void {
    for (const id of this.#markedIds()) this.#unmark(id);
    super.clear();
  }

  /** The marked sockets' ids (after the stored ones in iteration). */
  *#markedIds(): Generator<SocketId> {
    if (this.#marked === 0) return;
    const ids: SocketId[] = [];
    pushMarked(this.#holders(), ids);
    yield* ids;
  }

  override *keys(): MapIterator<SocketId> {
    yield* super.keys();
    yield* this.#markedIds();
  }

  override *values(): MapIterator<Set<Room>> {
    for (const [, rooms] of this.entries()) yield rooms;
  }

  override *entries(): MapIterator<[SocketId, Set<Room>]> {
    for (const [id, rooms] of super.entries()) {
      yield [id, rooms === OWN_ROOM_ONLY ? new Set([id]) : rooms];
    }
    for (const id of this.#markedIds()) yield [id, new Set([id])];
  }

  override [Symbol.iterator](): MapIterator<[SocketId, Set<Room>]> {
    return this.entries();
  }

  override forEach(
    fn: (rooms: Set<Room>, id: SocketId, map: Map<SocketId, Set<Room>>) => void,
    thisArg?: unknown,
  ): void {
    for (const [id, rooms] of this.entries()) fn.call(thisArg, rooms, id, this);
  }

  /** What `console.log` / `util.inspect` show: every entry, as the Map API reads them. */
  [Symbol.for("nodejs.util.inspect.custom")](): Map<SocketId, Set<Room>> {
    return new Map(this.entries());
  }
}

/** The ids of the marked sockets of `holders`, onto `out` (`forEach`: no entry array each). */
function pushMarked(holders: ReadonlyMap<SocketId, object> | undefined, out: SocketId[]): void {
  holders?.forEach((socket, id) => {
    if ((socket as Partial<OwnRoomHolder>)._ownRoomOnly === true) out.push(id);
  });
}
