import type { Adapter, Room, SocketId } from "../adapter/adapter.js";
import { randomId } from "../engine/random-id.js";
import { TypedEmitter } from "../typed-emitter.js";
import {
  PRESENCE_EVENT,
  type PresenceMessage,
  parsePresenceMessage,
  type WireMember,
} from "./presence-message.js";
import { PresenceTable } from "./presence-table.js";

/** Who a socket is: an id (the same id counts once, however many tabs), and the app's info. */
export interface PresenceIdentity<Info = unknown> {
  id: string;
  /** Shown to everyone who lists the room: keep it small, and JSON for a cluster adapter. */
  info?: Info;
}

export interface PresenceOptions<SocketType, Info = unknown> {
  /**
   * Who `socket` is, read when it joins a tracked room (typically from `socket.data`, set by
   * a middleware): an id, `{ id, info }`, or undefined for a socket that is not tracked.
   */
  identify(socket: SocketType): string | PresenceIdentity<Info> | undefined;
  /** Which rooms are tracked (default: every room but a socket's own). */
  rooms?(room: Room): boolean;
}

/** One identity in a room. */
export interface PresenceMember<Info = unknown> {
  id: string;
  info: Info | undefined;
}

/**
 * An identity appeared in a room (its first socket anywhere in the cluster joined) or
 * disappeared from it: `"left"` (its last socket left or disconnected) or `"server down"`
 * (the server it was on was declared dead, or closed).
 */
export interface PresenceChange<Info = unknown> extends PresenceMember<Info> {
  room: Room;
  reason?: "left" | "server down";
}

export type PresenceEvents<Info> = {
  join(change: PresenceChange<Info>): void;
  leave(change: PresenceChange<Info>): void;
};

interface TrackedSocket<Info> {
  readonly identity: PresenceIdentity<Info>;
  rooms: number;
}

/** What presence needs of its namespace. */
export interface PresenceNamespace<SocketType> {
  readonly sockets: ReadonlyMap<SocketId, SocketType>;
  readonly adapter: Adapter;
  reportListenerError(err: unknown, event: string): void;
}

/**
 * Who is in which room of a namespace, across the cluster, by the identity the app gives
 * each socket; `join`/`leave` events when an identity appears in or disappears from a room.
 * Built on the adapter contract only: room events of local sockets, `serverSideEmit` between
 * servers, and a cluster adapter's `server-down` (heartbeat liveness), after which a dead
 * server's members are dropped and `leave` fires for them. With the in-memory adapter it is
 * this server's view.
 *
 * Guarantees: each server holds a replica (reads are synchronous and cost no round trip);
 * every server fires `join`/`leave` for changes anywhere in the cluster, each once per
 * transition, in the order it learned of them. Replicas converge once messages in flight are
 * delivered; after a server dies, its members leave within the adapter's `heartbeatTimeout`.
 */
export class Presence<
  SocketType extends { readonly id: SocketId },
  Info = unknown,
> extends TypedEmitter<Record<never, never>, PresenceEvents<Info>> {
  readonly #nsp: PresenceNamespace<SocketType>;
  readonly #identify: PresenceOptions<SocketType, Info>["identify"];
  readonly #tracks: (room: Room) => boolean;
  readonly #table = new PresenceTable();
  /** Local sockets in tracked rooms: who each is, and in how many such rooms. */
  readonly #sockets = new Map<SocketId, TrackedSocket<Info>>();
  /** This server in presence messages: its cluster adapter's uid, so deaths can be matched. */
  #self: string;

  constructor(nsp: PresenceNamespace<SocketType>, opts: PresenceOptions<SocketType, Info>) {
    super();
    if (typeof opts?.identify !== "function") {
      throw new TypeError("presence needs an identify(socket) function");
    }
    this.#nsp = nsp;
    this.#identify = opts.identify;
    this.#tracks = opts.rooms ?? (() => true);
    this.#self = randomId();
    this._attach(nsp.adapter);
  }

  /**
   * @internal Listens to `adapter` (the namespace's, again when `io.adapter()` replaces it).
   * Servers already running are asked what they have (and learn that we track presence).
   */
  _attach(adapter: Adapter): void {
    const uid = (adapter as { uid?: unknown }).uid;
    if (typeof uid === "string") this.#self = uid;
    adapter.on("join-room", (room, id) => this.#joined(room, id));
    adapter.on("leave-room", (room, id) => this.#left(room, id));
    // Both ways: a server that we had declared dead while it went on (a long pause) has our
    // state and may not know we dropped its own, so it is asked again.
    adapter.on("server-up", () => this.#publish(this.#snapshot(true)));
    adapter.on("server-down", (server) => this.#serverGone(server));
    this.#publish(this.#snapshot(true));
  }

  /** Everyone in `room` across the cluster, each identity once. */
  members(room: Room): PresenceMember<Info>[] {
    return [...this.#table.members(room)].map(([id, info]) => ({ id, info: info as Info }));
  }

  /** Whether identity `id` is in `room` anywhere in the cluster. */
  has(room: Room, id: string): boolean {
    return this.#table.has(room, id);
  }

  /** Rooms with anyone in them, cluster-wide. */
  rooms(): Room[] {
    return [...this.#table.rooms()];
  }

  override reportListenerError(err: unknown, event: string): void {
    this.#nsp.reportListenerError(err, `presence ${event}`);
  }

  /** @internal A presence message from another server (`serverSideEmit`). */
  _onMessage(value: unknown): void {
    const message = parsePresenceMessage(value);
    if (message === undefined || message.from === this.#self) return;
    if (message.t === "snapshot") {
      this.#replace(message.from, message.rooms);
      if (message.ask === true) this.#publish(this.#snapshot(false));
    } else if (message.t === "join") {
      const present = this.#table.has(message.room, message.id);
      this.#table.addRemote(message.from, message.room, message.id, message.info);
      if (!present) this.#fire("join", message.room, message.id, message.info);
    } else {
      const removed = this.#table.removeRemote(message.from, message.room, message.id);
      if (removed !== undefined && !this.#table.has(message.room, message.id)) {
        this.#fire("leave", message.room, message.id, removed.info, "left");
      }
    }
  }

  #joined(room: Room, sid: SocketId): void {
    if (room === sid || !this.#tracks(room)) return;
    const tracked = this.#trackedSocket(sid);
    if (tracked === undefined) return;
    const { identity } = tracked;
    const present = this.#table.has(room, identity.id);
    tracked.rooms++;
    if (!this.#table.addLocal(room, identity.id, identity.info, sid)) return;
    this.#publish({ t: "join", from: this.#self, room, id: identity.id, info: identity.info });
    if (!present) this.#fire("join", room, identity.id, identity.info);
  }

  #left(room: Room, sid: SocketId): void {
    const tracked = this.#sockets.get(sid);
    if (tracked === undefined) return;
    const { identity } = tracked;
    const removed = this.#table.removeLocal(room, identity.id, sid);
    if (removed === undefined) return;
    if (--tracked.rooms === 0) this.#sockets.delete(sid);
    if (!removed.last) return;
    this.#publish({ t: "leave", from: this.#self, room, id: identity.id });
    if (!this.#table.has(room, identity.id)) {
      this.#fire("leave", room, identity.id, removed.info, "left");
    }
  }

  /** The socket's identity, read at its first tracked join and kept while it is in one. */
  #trackedSocket(sid: SocketId): TrackedSocket<Info> | undefined {
    const known = this.#sockets.get(sid);
    if (known !== undefined) return known;
    const socket = this.#nsp.sockets.get(sid);
    if (socket === undefined) return undefined;
    let given: string | PresenceIdentity<Info> | undefined;
    try {
      given = this.#identify(socket);
    } catch (err) {
      this.reportListenerError(err, "identify");
      return undefined;
    }
    if (given === undefined) return undefined;
    const identity = typeof given === "string" ? { id: given } : given;
    if (typeof identity.id !== "string") return undefined;
    const tracked = { identity, rooms: 0 };
    this.#sockets.set(sid, tracked);
    return tracked;
  }

  #serverGone(server: string): void {
    this.#replace(server, undefined, "server down");
  }

  /** What `server` has now is `rooms` (undefined: nothing, it is gone); fires the differences. */
  #replace(
    server: string,
    rooms: [Room, WireMember[]][] | undefined,
    reason: "left" | "server down" = "left",
  ): void {
    const arriving: [Room, string, unknown][] = [];
    for (const [room, members] of rooms ?? []) {
      for (const [id, info] of members) {
        if (!this.#table.has(room, id)) arriving.push([room, id, info]);
      }
    }
    const before = this.#table.replaceRemote(server, rooms);
    for (const [room, byId] of before) {
      for (const [id, info] of byId) {
        if (!this.#table.has(room, id)) this.#fire("leave", room, id, info, reason);
      }
    }
    for (const [room, id, info] of arriving) this.#fire("join", room, id, info);
  }

  #snapshot(ask: boolean): PresenceMessage {
    const message: PresenceMessage = {
      t: "snapshot",
      from: this.#self,
      rooms: this.#table.localSnapshot(),
    };
    if (ask) message.ask = true;
    return message;
  }

  #publish(message: PresenceMessage): void {
    try {
      this.#nsp.adapter.serverSideEmit([PRESENCE_EVENT, message]);
    } catch (err) {
      this.reportListenerError(err, "publish");
    }
  }

  #fire(
    event: "join" | "leave",
    room: Room,
    id: string,
    info: unknown,
    reason?: "left" | "server down",
  ): void {
    const change: PresenceChange<Info> = { room, id, info: info as Info | undefined };
    if (reason !== undefined) change.reason = reason;
    this.emitReserved(event, change);
  }
}
