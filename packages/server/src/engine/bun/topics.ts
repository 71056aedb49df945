import type { EngineConnection } from "../contract.js";
import type { PreparedMessage } from "../core/contract.js";
import { type RoomPublisher, roomTopic } from "../core/hooks.js";
import type { BunServer, BunWebSocket } from "./bun-runtime.js";
import { type BunSocketData, BunWebSocketTransport } from "./websocket.js";

/**
 * One socket (of one namespace) as the topics see it. A socket whose connection runs on Bun's
 * WebSocket is subscribed to its rooms' topics natively (`ws` set, `topics` null); one still on
 * polling (or probing an upgrade) is in the JS-side member sets of its topics, which `publish`
 * writes to one by one, until its connection upgrades.
 */
interface Member {
  readonly conn: EngineConnection;
  ws: BunWebSocket<BunSocketData> | null;
  /** The topics of a socket not on a native WebSocket; null once it is. */
  topics: Set<string> | null;
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
 * What a native publish skips, as it skips the per-recipient path: `socket.onAnyOutgoing`
 * listeners and the connection's `packetCreate`/`flush` events do not see these broadcasts;
 * the send-buffer limit is Bun's backpressure limit (set from `maxBufferedBytes`).
 */
export class BunTopics implements RoomPublisher {
  readonly #servers: () => readonly BunServer[];
  readonly #compress: boolean;
  /** `<nsp>\u0000<socket id>` → its member record. */
  readonly #members = new Map<string, Member>();
  /** Topic → its members not on a native WebSocket. */
  readonly #local = new Map<string, Set<Member>>();
  /** Members not on a native WebSocket, by connection: moved to topics when it upgrades. */
  readonly #waiting = new Map<EngineConnection, Set<Member>>();

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
    const key = `${nsp}\u0000${socket.id}`;
    let member = this.#members.get(key);
    if (member === undefined) {
      const conn = connectionOf(socket);
      if (conn === undefined) return;
      const ws = nativeSocket(conn);
      member = { conn, ws, topics: ws === null ? new Set() : null };
      this.#members.set(key, member);
      if (ws === null) this.#wait(member);
    }
    const topic = room === undefined ? namespaceTopic(nsp) : roomTopic(nsp, room);
    if (member.ws !== null) {
      member.ws.subscribe(topic);
      return;
    }
    member.topics?.add(topic);
    let local = this.#local.get(topic);
    if (local === undefined) {
      local = new Set();
      this.#local.set(topic, local);
    }
    local.add(member);
  }

  leave(nsp: string, id: string, room: string | undefined): void {
    const key = `${nsp}\u0000${id}`;
    const member = this.#members.get(key);
    if (member === undefined) return;
    const topic = room === undefined ? namespaceTopic(nsp) : roomTopic(nsp, room);
    if (member.ws !== null) {
      if (member.ws.readyState === 1) member.ws.unsubscribe(topic);
    } else {
      member.topics?.delete(topic);
      this.#removeLocal(topic, member);
    }
    if (room !== undefined) return;
    // Left the namespace: forget it (a closed WebSocket drops its subscriptions itself).
    this.#members.delete(key);
    if (member.topics !== null) {
      for (const t of member.topics) this.#removeLocal(t, member);
      this.#waiting.get(member.conn)?.delete(member);
    }
  }

  /** A member not on a native WebSocket yet: it moves to Bun's topics when it upgrades. */
  #wait(member: Member): void {
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
      const topics = member.topics;
      member.ws = ws;
      member.topics = null;
      if (topics === null) continue;
      for (const topic of topics) {
        this.#removeLocal(topic, member);
        ws.subscribe(topic);
      }
    }
  }

  #removeLocal(topic: string, member: Member): void {
    const local = this.#local.get(topic);
    if (local === undefined) return;
    local.delete(member);
    if (local.size === 0) this.#local.delete(topic);
  }
}
