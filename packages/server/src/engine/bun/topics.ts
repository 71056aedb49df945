import type { EngineConnection } from "../contract.js";
import type { PreparedMessage } from "../core/contract.js";
import { type RoomPublisher, roomTopic } from "../core/hooks.js";
import type { BunServer, BunWebSocket } from "./bun-runtime.js";
import { type BunSocketData, BunWebSocketTransport } from "./websocket.js";

/**
 * A socket whose connection is not on Bun's WebSocket yet (polling, or probing an upgrade): in
 * the JS-side member sets of its topics, which `publish` writes to one by one, until its
 * connection upgrades. Rare, so it may cost an object; a socket on a native WebSocket has
 * none (subscribed natively, nothing more per connection).
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
 * A socket on a native WebSocket costs nothing here: its subscriptions are Bun's, found again
 * from the socket (its connection's WebSocket) when it leaves. Only sockets not on one yet
 * have a record (`LocalMember`).
 *
 * A socket's own room (its id) is not a topic: a topic per connection would cost each one
 * native memory for a room that only ever reaches that socket. The adapter never offers a
 * publish to a room named as one of its sockets (see `RoomPublisher`): it delivers those per
 * recipient (one socket, or the few that joined a room of that name).
 *
 * What a native publish skips, as it skips the per-recipient path: `socket.onAnyOutgoing`
 * listeners and the connection's `packetCreate`/`flush` events do not see these broadcasts;
 * the send-buffer limit is Bun's backpressure limit (set from `maxBufferedBytes`).
 */
export class BunTopics implements RoomPublisher {
  readonly #servers: () => readonly BunServer[];
  readonly #compress: boolean;
  /** Namespace → socket id → the record of a socket not on a native WebSocket. */
  readonly #members = new Map<string, Map<string, LocalMember>>();
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
    const topic = room === undefined ? namespaceTopic(nsp) : roomTopic(nsp, room);
    let member = this.#members.get(nsp)?.get(socket.id);
    if (member === undefined) {
      const conn = connectionOf(socket);
      if (conn === undefined) return;
      const ws = nativeSocket(conn);
      if (ws !== null) {
        ws.subscribe(topic);
        return;
      }
      member = this.#record(nsp, socket.id, conn);
    }
    member.topics.add(topic);
    let local = this.#local.get(topic);
    if (local === undefined) {
      local = new Set();
      this.#local.set(topic, local);
    }
    local.add(member);
  }

  leave(nsp: string, socket: { readonly id: string }, room: string | undefined): void {
    const id = socket.id;
    if (room === id) return;
    const topic = room === undefined ? namespaceTopic(nsp) : roomTopic(nsp, room);
    const members = this.#members.get(nsp);
    const member = members?.get(id);
    if (members === undefined || member === undefined) {
      // On a native WebSocket (a closed one dropped its subscriptions itself).
      const conn = connectionOf(socket);
      const ws = conn === undefined ? null : nativeSocket(conn);
      if (ws !== null && ws.readyState === 1) ws.unsubscribe(topic);
      return;
    }
    member.topics.delete(topic);
    this.#removeLocal(topic, member);
    if (room !== undefined) return;
    // Left the namespace: forget it.
    members.delete(id);
    if (members.size === 0) this.#members.delete(nsp);
    for (const t of member.topics) this.#removeLocal(t, member);
    this.#waiting.get(member.conn)?.delete(member);
  }

  /** A socket not on a native WebSocket yet: recorded, and moved to Bun's topics when it upgrades. */
  #record(nsp: string, id: string, conn: EngineConnection): LocalMember {
    const member = new LocalMember(nsp, id, conn);
    let members = this.#members.get(nsp);
    if (members === undefined) {
      members = new Map();
      this.#members.set(nsp, members);
    }
    members.set(id, member);
    let waiting = this.#waiting.get(conn);
    if (waiting === undefined) {
      waiting = new Set();
      this.#waiting.set(conn, waiting);
      conn.once("upgrade", () => this.#upgraded(conn));
      conn.once("close", () => this.#waiting.delete(conn));
    }
    waiting.add(member);
    return member;
  }

  /**
   * A polling connection now runs on Bun's WebSocket: its sockets' topics become native
   * subscriptions, and their records go. The session flushed what it held before emitting
   * `upgrade`, so a publish from now on comes after everything sent before it.
   */
  #upgraded(conn: EngineConnection): void {
    const waiting = this.#waiting.get(conn);
    this.#waiting.delete(conn);
    const ws = nativeSocket(conn);
    if (waiting === undefined || ws === null) return;
    for (const member of waiting) {
      // Still in its namespace (a socket that left was taken out of `waiting`).
      const members = this.#members.get(member.nsp);
      members?.delete(member.id);
      if (members?.size === 0) this.#members.delete(member.nsp);
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
