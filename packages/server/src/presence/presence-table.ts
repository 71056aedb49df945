import type { Room } from "../adapter/adapter.js";
import type { WireMember } from "./presence-message.js";

/** An identity in a room on this server: the app's info and its sockets there (tabs). */
interface LocalEntry {
  info: unknown;
  sockets: Set<string>;
}

/** Room → identity id → info, as one other server last described its own sockets. */
type ServerRooms = Map<Room, Map<string, unknown>>;

/**
 * Who is in which room, cluster-wide: this server's sockets (with each identity's sockets,
 * so several tabs count once) and, per other server, what it last said. An identity is
 * present in a room while any server has it there. Pure bookkeeping: the caller tells the
 * other servers and fires events from the transitions it returns.
 */
export class PresenceTable {
  readonly #local = new Map<Room, Map<string, LocalEntry>>();
  readonly #remote = new Map<string, ServerRooms>();

  /** Whether `id` is in `room` on any server. */
  has(room: Room, id: string): boolean {
    if (this.#local.get(room)?.has(id) === true) return true;
    for (const rooms of this.#remote.values()) if (rooms.get(room)?.has(id) === true) return true;
    return false;
  }

  /** Everyone in `room`, each identity once (this server's info first). */
  members(room: Room): Map<string, unknown> {
    const found = new Map<string, unknown>();
    for (const [id, entry] of this.#local.get(room) ?? []) found.set(id, entry.info);
    for (const rooms of this.#remote.values()) {
      for (const [id, info] of rooms.get(room) ?? []) if (!found.has(id)) found.set(id, info);
    }
    return found;
  }

  /** Rooms anyone is in, cluster-wide. */
  rooms(): Set<Room> {
    const all = new Set<Room>(this.#local.keys());
    for (const rooms of this.#remote.values()) for (const room of rooms.keys()) all.add(room);
    return all;
  }

  /** A local socket joined: true when its identity was not yet in the room on this server. */
  addLocal(room: Room, id: string, info: unknown, socket: string): boolean {
    let byId = this.#local.get(room);
    if (byId === undefined) {
      byId = new Map();
      this.#local.set(room, byId);
    }
    const entry = byId.get(id);
    if (entry !== undefined) {
      entry.sockets.add(socket);
      return false;
    }
    byId.set(id, { info, sockets: new Set([socket]) });
    return true;
  }

  /**
   * A local socket left: undefined when it was not there; `last` when its identity has no
   * socket left in the room on this server.
   */
  removeLocal(
    room: Room,
    id: string,
    socket: string,
  ): { info: unknown; last: boolean } | undefined {
    const byId = this.#local.get(room);
    const entry = byId?.get(id);
    if (byId === undefined || entry === undefined || !entry.sockets.delete(socket)) {
      return undefined;
    }
    if (entry.sockets.size > 0) return { info: entry.info, last: false };
    byId.delete(id);
    if (byId.size === 0) this.#local.delete(room);
    return { info: entry.info, last: true };
  }

  /** What this server has, as a snapshot for the others. */
  localSnapshot(): [Room, WireMember[]][] {
    return [...this.#local].map(([room, byId]) => [
      room,
      [...byId].map(([id, entry]): WireMember => [id, entry.info]),
    ]);
  }

  addRemote(server: string, room: Room, id: string, info: unknown): void {
    let rooms = this.#remote.get(server);
    if (rooms === undefined) {
      rooms = new Map();
      this.#remote.set(server, rooms);
    }
    let byId = rooms.get(room);
    if (byId === undefined) {
      byId = new Map();
      rooms.set(room, byId);
    }
    byId.set(id, info);
  }

  /** The info `server` had for `id` in `room`, if it had it. */
  removeRemote(server: string, room: Room, id: string): { info: unknown } | undefined {
    const byId = this.#remote.get(server)?.get(room);
    if (byId === undefined || !byId.has(id)) return undefined;
    const info = byId.get(id);
    byId.delete(id);
    if (byId.size === 0) this.#remote.get(server)?.delete(room);
    return { info };
  }

  /** Replaces (or, with no rooms, drops) what `server` had; returns what it had before. */
  replaceRemote(server: string, rooms: [Room, WireMember[]][] | undefined): ServerRooms {
    const before = this.#remote.get(server) ?? new Map();
    if (rooms === undefined) {
      this.#remote.delete(server);
      return before;
    }
    const next: ServerRooms = new Map();
    for (const [room, members] of rooms) {
      if (members.length > 0) next.set(room, new Map(members));
    }
    this.#remote.set(server, next);
    return before;
  }

  /** Servers something is kept for (for tests and metrics). */
  servers(): string[] {
    return [...this.#remote.keys()];
  }
}
