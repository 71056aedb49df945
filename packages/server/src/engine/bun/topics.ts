import type { Packet } from "@parley/protocol";
import type {
  AdapterNamespace,
  AdapterSocket,
  Room,
  RoomPublisher,
  RoomPublishers,
  SocketId,
} from "../../adapter/adapter.js";
import type { EngineConnection, PreparedMessage } from "../contract.js";
import type { BunServer, BunWebSocket } from "./bun-runtime.js";
import { type BunSocketData, BunWebSocketTransport } from "./websocket.js";

/**
 * One socket as the topics see it. A socket whose connection runs on Bun's WebSocket is
 * subscribed to its rooms' topics natively (`ws` set, `topics` null); one still on polling (or
 * probing an upgrade) is in the JS-side member sets of its topics, which `publish` writes to
 * one by one, until its connection upgrades.
 */
interface Member {
  readonly socket: AdapterSocket;
  /** Its namespace's topics, which move it to Bun's when its connection upgrades. */
  readonly owner: { native(member: Member, ws: BunWebSocket<BunSocketData>): void };
  ws: BunWebSocket<BunSocketData> | null;
  /** The topics of a socket not on a native WebSocket; null once it is. */
  topics: Set<string> | null;
}

/** The `conn` of a Parley socket (AdapterSocket leaves it out: the adapter never needs it). */
function connectionOf(socket: AdapterSocket): EngineConnection | undefined {
  return (socket as AdapterSocket & { conn?: EngineConnection }).conn;
}

function nativeSocket(conn: EngineConnection | undefined): BunWebSocket<BunSocketData> | null {
  const transport = conn?.transport;
  return transport instanceof BunWebSocketTransport && !transport.closed ? transport.socket : null;
}

/**
 * Rooms as Bun topics: a room broadcast that needs nothing per recipient is one native
 * `server.publish` for every member on a Bun WebSocket (framed and written in native code),
 * plus a write to each member still on polling. Topic names are `<nsp>\u0000<room>`, and
 * `<nsp>\u0001` for the whole namespace, so namespaces sharing a connection never mix.
 *
 * What a native publish skips, as it skips the per-recipient path: `socket.onAnyOutgoing`
 * listeners and the connection's `packetCreate`/`flush` events do not see these broadcasts;
 * the send-buffer limit is Bun's backpressure limit (set from `maxBufferedBytes`).
 */
export class BunTopics implements RoomPublishers {
  readonly #server: () => BunServer | null;
  readonly #compress: boolean;
  /** Members not on a native WebSocket, by connection: moved to topics when it upgrades. */
  readonly #waiting = new Map<EngineConnection, Set<Member>>();

  constructor(server: () => BunServer | null, compress: boolean) {
    this.#server = server;
    this.#compress = compress;
  }

  forNamespace(nsp: Pick<AdapterNamespace, "name" | "sockets">): RoomPublisher {
    return new NamespaceTopics(nsp, this);
  }

  /** @internal */
  publish(topic: string, text: string, compress: boolean): void {
    this.#server()?.publish(topic, text, this.#compress && compress);
  }

  /** @internal A member not on a native WebSocket yet: wait for its connection's upgrade. */
  wait(conn: EngineConnection, member: Member): void {
    let members = this.#waiting.get(conn);
    if (members === undefined) {
      members = new Set();
      this.#waiting.set(conn, members);
      conn.once("upgrade", () => this.#upgraded(conn));
      conn.once("close", () => this.#waiting.delete(conn));
    }
    members.add(member);
  }

  /** @internal */
  unwait(conn: EngineConnection | undefined, member: Member): void {
    if (conn !== undefined) this.#waiting.get(conn)?.delete(member);
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
    for (const member of members) member.owner.native(member, ws);
  }
}

/** One namespace's members and JS-side topic sets. */
class NamespaceTopics implements RoomPublisher {
  readonly #nsp: Pick<AdapterNamespace, "name" | "sockets">;
  readonly #topics: BunTopics;
  readonly #members = new Map<SocketId, Member>();
  /** Topic → its members that are not on a native WebSocket. */
  readonly #local = new Map<string, Set<Member>>();
  readonly #everyone: string;

  constructor(nsp: Pick<AdapterNamespace, "name" | "sockets">, topics: BunTopics) {
    this.#nsp = nsp;
    this.#topics = topics;
    this.#everyone = `${nsp.name}\u0001`;
  }

  #topic(room: Room | undefined): string {
    return room === undefined ? this.#everyone : `${this.#nsp.name}\u0000${room}`;
  }

  join(id: SocketId, room: Room | undefined): void {
    let member = this.#members.get(id);
    if (member === undefined) {
      const socket = this.#nsp.sockets.get(id);
      if (socket === undefined) return;
      const conn = connectionOf(socket);
      const ws = nativeSocket(conn);
      member = { socket, ws, topics: ws === null ? new Set() : null, owner: this };
      this.#members.set(id, member);
      if (ws === null && conn !== undefined) this.#topics.wait(conn, member);
    }
    const topic = this.#topic(room);
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

  leave(id: SocketId, room: Room | undefined): void {
    const member = this.#members.get(id);
    if (member === undefined) return;
    const topic = this.#topic(room);
    if (member.ws !== null) member.ws.unsubscribe(topic);
    else {
      member.topics?.delete(topic);
      this.#removeLocal(topic, member);
    }
    if (room !== undefined) return;
    // Left the namespace: forget it (a closed WebSocket drops its subscriptions itself).
    this.#members.delete(id);
    if (member.topics !== null) {
      for (const t of member.topics) this.#removeLocal(t, member);
      this.#topics.unwait(connectionOf(member.socket), member);
    }
  }

  publish(room: Room | undefined, message: PreparedMessage, packet: Packet): void {
    const topic = this.#topic(room);
    this.#topics.publish(
      topic,
      `4${message.frames[0] as string}`,
      message.options.compress !== false,
    );
    const local = this.#local.get(topic);
    if (local === undefined) return;
    for (const member of [...local]) member.socket._deliver(message, packet);
  }

  /** @internal The member's connection upgraded: its topics move to Bun. */
  native(member: Member, ws: BunWebSocket<BunSocketData>): void {
    const topics = member.topics;
    member.ws = ws;
    member.topics = null;
    if (topics === null) return;
    for (const topic of topics) {
      this.#removeLocal(topic, member);
      ws.subscribe(topic);
    }
  }

  #removeLocal(topic: string, member: Member): void {
    const local = this.#local.get(topic);
    if (local === undefined) return;
    local.delete(member);
    if (local.size === 0) this.#local.delete(topic);
  }
}
