import type { EngineConnection } from "../contract.js";
import type { PreparedMessage } from "../core/contract.js";
import { type RoomPublisher, roomTopic } from "../core/hooks.js";
import type { BunServer, BunWebSocket } from "./bun-runtime.js";
import { type BunSocketData, BunWebSocketTransport } from "./websocket.js";

/**
 * A socket whose connection is not on Bun's WebSocket yet (polling, or probing an upgrade): in
 * the JS-side member sets of its topics, which `publish` writes to one by one, until its
 * connection upgrades. Rare, so it may cost an object; a socket on a native WebSocket is
 * recorded as its WebSocket alone (subscribed natively), nothing more per connection.
 */
class LocalMember {
  readonly nsp: string;
  readonly id: string;
  readonly conn: EngineConnection;
  readonly topics = new Set<string>();

  constructor(nsp: string, id: string, conn: EngineConnection) {
    this.nsp = nsp;
    this.id = id;
    this.conn = conn;
  }
}

type Member = BunWebSocket<BunSocketData> | LocalMember;

/** The `conn` of a Parley socket (the adapter's view of a socket leaves it out). */
function connectionOf(socket: { readonly id: string }): EngineConnection | undefined {
  return (socket as { conn?: EngineConnection }).conn;
}

function nativeSocket(conn: EngineConnection): BunWebSocket<BunSocketData> | null {
  const transport = conn.transport;
  return transport instanceof BunWebSocketTransport && !transport.closed ? transport.socket : null;
}

/** The topic of a whole namespace (`roomTopic`'s separator, then nothing: no room is ""). */
function namespaceTopic(nsp: string): string {
  return `${nsp}\u001f\u001f`;
}

/**
 * Rooms as Bun topics (the Bun front's `RoomPublisher`): a broadcast that needs nothing per
 * recipient is one native `server.publish` for every member on a Bun WebSocket (framed and
 * written in native code), plus a `sendPrepared` to each member still on polling. The adapter
 * tells it every join and leave (`join`/`leave`), so it also takes `io.emit` to a whole
 * namespace. Topics are `roomTopic(nsp, room)`, and `namespaceTopic(nsp)`.
 *
 * A socket's own room (its id) is not a topic: a topic per connection would cost each one
 * native memory for a room that only ever reaches that socket. A publish to a room named as
 * one of the namespace's sockets is declined instead, and the adapter delivers it per
 * recipient (one socket, or the few that joined a room of that name).
 *
 * What a native publish skips, as it skips the per-recipient path: `socket.onAnyOutgoing`
 * listeners and the connection's `packetCreate`/`flush` events do not see these broadcasts;
 * the send-buffer limit is Bun's backpressure limit (set from `maxBufferedBytes`).
 */
export class BunTopics implements RoomPublisher {
  readonly #servers: () => readonly BunServer[];
  readonly #compress: boolean;
  /** Namespace → socket id → the socket's member record (keyed by strings sockets hold). */
  readonly #members = new Map<string, Map<string, Member>>();
  /** Topic → its members not on a native WebSocket. */
  readonly #local = new Map<string, Set<LocalMember>>();
  /** Members not on a native WebSocket, by connection: moved to topics when it upgrades. */
  readonly #waiting = new Map<EngineConnection, Set<LocalMember>>();

  /**
   * @param servers the Bun servers to publish through; none declines every publish (before
   *   the first request, or while the engine has a packet hook that must see each packet).
   */
  constructor(servers: () => readonly BunServer[], compress: boolean) {
    this.#servers = servers;
    this.#compress = compress;
  }

  publish(nsp: string, room: string | undefined, message: PreparedMessage): boolean {
    const frames = message.frames;
    const text = frames[0];
    // One text frame: no binary attachment, no binary parser (v3 and v4 share text frames).
    if (frames.length !== 1 || typeof text !== "string") return false;
    const servers = this.#servers();
    if (servers.length === 0) return false;
    // A socket's own room has no topic (see the class comment).
    if (room !== undefined && this.#members.get(nsp)?.has(room) === true) return false;
    const topic = room === undefined ? namespaceTopic(nsp) : roomTopic(nsp, room);
    const compress = this.#compress && message.options.compress !== false;
    const data = `4${text}`;
    for (const server of servers) server.publish(topic, data, compress);
    const local = this.#local.get(topic);
    if (local !== undefined) {
      for (const member of [...local]) {
        if (member.conn.readyState === "open") member.conn.sendPrepared(message);
      }
    }
    return true;
  }

  join(nsp: string, socket: { readonly id: string }, room: string | undefined): void {
    if (room === socket.id) return;
    let members = this.#members.get(nsp);
    let member = members?.get(socket.id);
    if (member === undefined) {
      const conn = connectionOf(socket);
      if (conn === undefined) return;
      member = nativeSocket(conn) ?? new LocalMember(nsp, socket.id, conn);
      if (members === undefined) {
        members = new Map();
        this.#members.set(nsp, members);
      }
      members.set(socket.id, member);
      if (member instanceof LocalMember) this.#wait(member);
    }
    const topic = room === undefined ? namespaceTopic(nsp) : roomTopic(nsp, room);
    if (!(member instanceof LocalMember)) {
      member.subscribe(topic);
      return;
    }
    member.topics.add(topic);
    let local = this.#local.get(topic);
    if (local === undefined) {
      local = new Set();
      this.#local.set(topic, local);
    }
    local.add(member);
  }

  leave(nsp: string, id: string, room: string | undefined): void {
    if (room === id) return;
    const members = this.#members.get(nsp);
    const member = members?.get(id);
    if (members === undefined || member === undefined) return;
    const topic = room === undefined ? namespaceTopic(nsp) : roomTopic(nsp, room);
    if (!(member instanceof LocalMember)) {
      if (member.readyState === 1) member.unsubscribe(topic);
    } else {
      member.topics.delete(topic);
      this.#removeLocal(topic, member);
    }
    if (room !== undefined) return;
    // Left the namespace: forget it (a closed WebSocket drops its subscriptions itself).
    members.delete(id);
    if (members.size === 0) this.#members.delete(nsp);
    if (member instanceof LocalMember) {
      for (const t of member.topics) this.#removeLocal(t, member);
      this.#waiting.get(member.conn)?.delete(member);
    }
  }

  /** A member not on a native WebSocket yet: it moves to Bun's topics when it upgrades. */
  #wait(member: LocalMember): void {
    const conn = member.conn;
    let members = this.#waiting.get(conn);
    if (members === undefined) {
      members = new Set();
      this.#waiting.set(conn, members);
      conn.once("upgrade", () => this.#upgraded(conn));
      conn.once("close", () => this.#waiting.delete(conn));
    }
    members.add(member);
  }

  /**
   * A polling connection now runs on Bun's WebSocket: its sockets' topics become native
   * subscriptions. The session flushed what it held before emitting `upgrade`, so a publish
   * from now on comes after everything sent before it.
   */
  #upgraded(conn: EngineConnection): void {
    const members = this.#waiting.get(conn);
    this.#waiting.delete(conn);
    const ws = nativeSocket(conn);
    if (members === undefined || ws === null) return;
    for (const member of members) {
      // Still in its namespace (a socket that left was taken out of `members`).
      this.#members.get(member.nsp)?.set(member.id, ws);
      for (const topic of member.topics) {
        this.#removeLocal(topic, member);
        ws.subscribe(topic);
      }
    }
  }

  #removeLocal(topic: string, member: LocalMember): void {
    const local = this.#local.get(topic);
    if (local === undefined) return;
    local.delete(member);
    if (local.size === 0) this.#local.delete(topic);
  }
}
