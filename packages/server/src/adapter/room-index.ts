import type { Room, SocketId } from "./adapter.js";
import { OWN_ROOM_ONLY, type OwnRoomHolders, SocketRoomMap } from "./socket-room-map.js";

/** `RoomIndex.join`/`leave` results: the membership changed; and the room was created/deleted. */
export const CHANGED = 1;
export const ROOM_EDGE = 2;

/**
 * `adapter.rooms`: room → ids of its sockets, as socket.io's `Map<Room, Set<SocketId>>`. A
 * socket's own room is not stored while it is exactly `{ id }` and nobody asked for it: it is
 * read from `sids` (the socket is in the room named after it). `has`, `size` and `keys`
 * count it; `get` makes it a stored Set on first read (kept, so it stays live); iteration
 * hands out a fresh one-member Set for it. Own rooms come after the stored rooms in
 * iteration order.
 */
export class RoomMap extends Map<Room, Set<SocketId>> {
  readonly #sids: SocketRoomMap;
  /** Own rooms not stored (each a socket in its own room with no stored entry). */
  #unstored = 0;

  constructor(sids: SocketRoomMap) {
    super();
    this.#sids = sids;
  }

  /** @internal The stored members of `room` (undefined for an own room not stored). */
  _stored(room: Room): Set<SocketId> | undefined {
    return super.get(room);
  }

  /** @internal Whether `room` is a socket's own room read from `sids`, not stored. */
  _unstored(room: Room): boolean {
    return !super.has(room) && this.#sids._inOwnRoom(room);
  }

  /** @internal One more (1) or one fewer (-1) own room not stored. */
  _countUnstored(delta: 1 | -1): void {
    this.#unstored += delta;
  }

  /** @internal Stores `room` (never an own room not stored: see `set`). */
  _put(room: Room, members: Set<SocketId>): void {
    super.set(room, members);
  }

  /** @internal Deletes a stored room. */
  _remove(room: Room): void {
    super.delete(room);
  }

  override get(room: Room): Set<SocketId> | undefined {
    const members = super.get(room);
    if (members !== undefined || !this.#sids._inOwnRoom(room)) return members;
    const own = new Set([room]);
    super.set(room, own);
    this.#unstored--;
    return own;
  }

  override has(room: Room): boolean {
    return super.has(room) || this.#sids._inOwnRoom(room);
  }

  override get size(): number {
    return super.size + this.#unstored;
  }

  override *keys(): MapIterator<Room> {
    yield* super.keys();
    for (const id of this.#sids.keys()) if (this._unstored(id)) yield id;
  }

  override *values(): MapIterator<Set<SocketId>> {
    for (const [, members] of this.entries()) yield members;
  }

  override *entries(): MapIterator<[Room, Set<SocketId>]> {
    yield* super.entries();
    for (const id of this.#sids.keys()) if (this._unstored(id)) yield [id, new Set([id])];
  }

  override [Symbol.iterator](): MapIterator<[Room, Set<SocketId>]> {
    return this.entries();
  }

  override forEach(
    fn: (members: Set<SocketId>, room: Room, map: Map<Room, Set<SocketId>>) => void,
    thisArg?: unknown,
  ): void {
    for (const [room, members] of this.entries()) fn.call(thisArg, members, room, this);
  }

  /** Storing or deleting an own room through the Map API takes it out of the count first. */
  override set(room: Room, members: Set<SocketId>): this {
    if (this.#unstored > 0 && this._unstored(room)) this.#unstored--;
    return super.set(room, members);
  }

  override delete(room: Room): boolean {
    if (this.#unstored > 0 && this._unstored(room)) this.get(room);
    return super.delete(room);
  }

  /** What `console.log` / `util.inspect` show: every entry, as the Map API reads them. */
  [Symbol.for("nodejs.util.inspect.custom")](): Map<Room, Set<SocketId>> {
    return new Map(this.entries());
  }
}

/**
 * The in-memory adapter's room bookkeeping: `rooms` and `sids` kept in step, each socket's
 * own room implicit until read (see `SocketRoomMap`, `RoomMap`). An idle socket of the
 * namespace costs a bit on the socket (no `sids` entry, no Set); one the namespace does not
 * hold, one `sids` entry and no Set. The methods that read members (`storedMembers`, `count`) never
 * materialise anything: they are what broadcasts use.
 */
export class RoomIndex {
  readonly sids: SocketRoomMap;
  readonly rooms: RoomMap;

  /** @param holders the namespace's sockets, which may hold their own-room mark (see `OwnRoomHolder`). */
  constructor(holders?: OwnRoomHolders) {
    this.sids = new SocketRoomMap(holders);
    this.rooms = new RoomMap(this.sids);
  }

  /** Adds socket `id` to `room`: 0 when it was in it already, else `CHANGED` (+ `ROOM_EDGE`: new room). */
  join(id: SocketId, room: Room): number {
    const sids = this.sids;
    const rooms = this.rooms;
    let mine = sids._stored(id);
    if (mine === OWN_ROOM_ONLY) {
      if (room === id) return 0;
      mine = new Set([id]);
      sids.set(id, mine);
    } else if (mine === undefined) {
      if (room === id && rooms._stored(id) === undefined) {
        sids._putOwnRoomOnly(id);
        rooms._countUnstored(1);
        return CHANGED | ROOM_EDGE;
      }
      mine = new Set();
      sids.set(id, mine);
    }
    if (mine.has(room)) return 0;
    mine.add(room);
    let members = rooms._stored(room);
    if (members === undefined) {
      if (room === id) {
        rooms._countUnstored(1);
        return CHANGED | ROOM_EDGE;
      }
      // Another socket's own room, not stored yet: it gets a Set now, with both in it.
      const own = this.sids._inOwnRoom(room);
      members = own ? new Set([room, id]) : new Set([id]);
      rooms._put(room, members);
      if (!own) return CHANGED | ROOM_EDGE;
      rooms._countUnstored(-1);
      return CHANGED;
    }
    members.add(id);
    return CHANGED;
  }

  /** Takes socket `id` out of `room`: 0 when it was not in it, else `CHANGED` (+ `ROOM_EDGE`: room gone). */
  leave(id: SocketId, room: Room): number {
    const mine = this.sids._stored(id);
    if (mine === undefined) return 0;
    if (mine === OWN_ROOM_ONLY) {
      if (room !== id) return 0;
      this.sids.set(id, new Set());
    } else if (!mine.delete(room)) {
      return 0;
    }
    return this.#removeMember(id, room);
  }

  /**
   * The rooms of socket `id`, stored as they are (no Set made for an own room alone), or
   * undefined when it has none. Callers must not keep or change it.
   */
  roomsOf(id: SocketId): Iterable<Room> | undefined {
    const mine = this.sids._stored(id);
    return mine === OWN_ROOM_ONLY ? [id] : mine;
  }

  /**
   * Forgets socket `id` (it left its namespace), calling `left(room, deleted)` for each room
   * it was in, in join order, while `sids` still lists them (as socket.io's `delAll`).
   */
  drop(id: SocketId, left: (room: Room, deleted: boolean) => void): void {
    const rooms = this.roomsOf(id);
    if (rooms === undefined) return;
    for (const room of rooms) {
      const change = this.#removeMember(id, room);
      if (change !== 0) left(room, (change & ROOM_EDGE) !== 0);
    }
    this.sids.delete(id);
  }

  /**
   * The stored ids of `room`; undefined for a room not stored, which may still be a socket's
   * own room (`unstoredOwnRoom`). Two calls rather than an array for an own room: the loops
   * over members stay on one kind of iterable (V8 slows down a `for…of` that sees two).
   */
  storedMembers(room: Room): Set<SocketId> | undefined {
    return this.rooms._stored(room);
  }

  /** Whether `room`, not stored, is the own room of the socket of that id (its only member). */
  unstoredOwnRoom(room: Room): boolean {
    return this.sids._inOwnRoom(room);
  }

  /** How many sockets are in `room`. */
  count(room: Room): number {
    const members = this.rooms._stored(room);
    if (members !== undefined) return members.size;
    return this.sids._inOwnRoom(room) ? 1 : 0;
  }

  /** The rooms side of a leave (`sids` already updated, or about to be dropped). */
  #removeMember(id: SocketId, room: Room): number {
    const rooms = this.rooms;
    const members = rooms._stored(room);
    if (members === undefined) {
      // The socket's own room, not stored: it was its only member.
      if (room !== id) return 0;
      rooms._countUnstored(-1);
      return CHANGED | ROOM_EDGE;
    }
    if (!members.delete(id)) return 0;
    if (members.size > 0) return CHANGED;
    rooms._remove(room);
    return CHANGED | ROOM_EDGE;
  }
}
