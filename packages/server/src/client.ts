import type { IncomingMessage } from "node:http";
import {
  decodeTextPacket,
  encodePacket,
  type Packet,
  PacketDecoder,
  PacketType,
  ProtocolError,
  ProtocolErrorCode,
  type RawData,
} from "@parley/protocol";
import { debugLog } from "./debug.js";
import type {
  ConnectionCloseReason,
  ConnectionOwner,
  EngineConnection,
  PreparedMessage,
  SendOptions,
} from "./engine/contract.js";
import { prepareMessage } from "./engine/contract.js";
import type { HeartbeatTarget } from "./engine/heartbeat.js";
import { LEGACY_ENGINE_PROTOCOL, parseLegacyNamespace } from "./legacy-v2/socket-protocol-v4.js";
import type { CustomParser, ParserDecoder } from "./parser.js";
import type { Server } from "./server.js";
import type { Socket } from "./socket.js";
import type { DisconnectReason } from "./socket-types.js";

const log = debugLog("parley:client", "socket.io:client");
/** socket.io logs its codec's work as socket.io-parser; Parley's codec runs from this file. */
const parserLog = debugLog("parley:parser", "socket.io-parser");

/** The per-connection limits a client and its sockets enforce (resolved server options). */
export interface ClientLimits {
  readonly connectTimeout: number;
  readonly maxNamespacesPerClient: number;
  readonly maxPendingAcks: number;
  readonly maxRoomsPerSocket: number | undefined;
  readonly maxAttachments: number;
  readonly maxPacketLength: number;
}

type AnySocket = Socket<never, never, never, unknown>;

/**
 * One Engine.IO connection: decodes its packets and routes them to the socket of each
 * namespace it joined (one socket per namespace).
 *
 * Choices where the protocol leaves room (socket.io does the same unless noted):
 * - a packet that does not decode ends the connection; its sockets get an `error` event,
 *   then disconnect with "forced close" (not kept for connection state recovery);
 * - a second CONNECT to a namespace already joined (or joining) ends the connection
 *   ("forced server close"), as does a CONNECT_ERROR sent by the client;
 * - EVENT/ACK/DISCONNECT for a namespace the client has not joined are ignored (socket.io ends
 *   the connection; ignoring keeps a disconnect/emit race harmless). A connection that joins
 *   nothing is still closed after `connectTimeout`;
 * - past `maxNamespacesPerClient` a CONNECT gets CONNECT_ERROR "Too many namespaces".
 */
export class Client implements HeartbeatTarget, ConnectionOwner {
  readonly conn: EngineConnection;
  readonly server: Server<never, never, never, unknown>;
  /**
   * The sockets by namespace name. Nearly every client joins one namespace, so that one is
   * held alone and a Map only appears with a second (an idle client holds no Map).
   */
  #sockets: AnySocket | Map<string, AnySocket> | undefined;
  /**
   * Namespaces whose CONNECT is in progress: the one name alone (nearly always), a Set from a
   * second one on, undefined when none (no Set per CONNECT).
   */
  #joining: string | Set<string> | undefined;
  /**
   * Sockets whose namespace middlewares have not finished; undefined when none. A middleware
   * may `join` rooms before calling `next`, or never call it: if the connection ends first,
   * these sockets must still leave their rooms.
   */
  #pending: Set<AnySocket> | undefined;
  /**
   * Created by the first binary packet (or stray binary frame): text packets decode without
   * state, so a connection that never sends binary holds no decoder. With a custom `parser`,
   * that parser's decoder, created by the first message.
   */
  #decoder: PacketDecoder | ParserDecoder | undefined;
  /** Owned by the server's connect-timeout wheel: -1 once the client joined a namespace. */
  heartbeatTick = -1;
  #closed = false;

  constructor(server: Server<never, never, never, unknown>, conn: EngineConnection) {
    this.server = server;
    this.conn = conn;
    // The connection calls us directly: no listeners on it, no closures, no lookup map.
    conn._owner = this;
    server._connectTimeouts.schedule(this, this.limits.connectTimeout);
    if (log.enabled) log("new client for connection %s", conn.id);
    // socket.io-client 2.x never sends a CONNECT for the main namespace: it is joined at once.
    if (conn.protocol === LEGACY_ENGINE_PROTOCOL) this.#connect("/", {});
  }

  /**
   * The server's limits: read from it rather than held, as an idle connection's client pays
   * for each field (up to 8 fields: 80 B in JavaScriptCore; 9 to 12: 112 B).
   */
  get limits(): ClientLimits {
    return this.server._limits;
  }

  /** The Engine.IO session id. */
  get id(): string {
    return this.conn.id;
  }

  get request(): IncomingMessage {
    return this.conn.request;
  }

  #socket(nsp: string): AnySocket | undefined {
    const sockets = this.#sockets;
    if (sockets === undefined) return undefined;
    if (sockets instanceof Map) return sockets.get(nsp);
    return sockets.nsp.name === nsp ? sockets : undefined;
  }

  #socketCount(): number {
    const sockets = this.#sockets;
    return sockets === undefined ? 0 : sockets instanceof Map ? sockets.size : 1;
  }

  #socketList(): AnySocket[] {
    const sockets = this.#sockets;
    if (sockets === undefined) return [];
    return sockets instanceof Map ? [...sockets.values()] : [sockets];
  }

  #addSocket(name: string, socket: AnySocket): void {
    const sockets = this.#sockets;
    if (sockets === undefined) {
      this.#sockets = socket;
    } else if (sockets instanceof Map) {
      sockets.set(name, socket);
    } else {
      this.#sockets = new Map([
        [sockets.nsp.name, sockets],
        [name, socket],
      ]);
    }
  }

  #isJoining(name: string): boolean {
    const joining = this.#joining;
    return joining === name || (joining instanceof Set && joining.has(name));
  }

  #joiningCount(): number {
    const joining = this.#joining;
    return joining === undefined ? 0 : typeof joining === "string" ? 1 : joining.size;
  }

  #startJoining(name: string): void {
    const joining = this.#joining;
    if (joining === undefined) this.#joining = name;
    else if (typeof joining === "string") this.#joining = new Set([joining, name]);
    else joining.add(name);
  }

  #doneJoining(name: string): void {
    const joining = this.#joining;
    if (joining === name) {
      this.#joining = undefined;
    } else if (joining instanceof Set) {
      joining.delete(name);
      if (joining.size === 0) this.#joining = undefined;
    }
  }

  /**
   * @internal One Engine.IO message. The per-message path: a text packet on a connection
   * with no binary packet under way and no custom parser decodes with no decoder state; the
   * rest (binary, custom parsers) goes out of line, so this stays small for the JIT.
   */
  _onData(data: RawData): void {
    // The limits object carries both decoder options: no options object per packet.
    const result =
      typeof data === "string" && this.#decoder === undefined && this.server._parser === undefined
        ? decodeTextPacket(data, this.limits)
        : undefined;
    if (result === undefined) this.#onOtherData(data);
    else if (result instanceof ProtocolError || parserLog.enabled) this.#onDecoded(data, result);
    else this.#onPacket(result);
  }

  /** Binary frames, BINARY_* packets and whatever follows them, custom parsers. */
  #onOtherData(data: RawData): void {
    const parser = this.server._parser;
    if (parser !== undefined) {
      this.#onParserData(parser, data);
      return;
    }
    this.#decoder ??= new PacketDecoder(this.limits);
    const result = (this.#decoder as PacketDecoder).add(data);
    if (result !== null) this.#onDecoded(data, result);
  }

  #onDecoded(data: RawData, result: Packet | ProtocolError): void {
    if (result instanceof ProtocolError) {
      log("invalid packet format (%s)", result.code);
      this.#onDecodeError(result);
      return;
    }
    if (parserLog.enabled) {
      parserLog("decoded %s as %j", typeof data === "string" ? data : "binary", result);
    }
    this.#onPacket(result);
  }

  #onParserData(parser: CustomParser, data: RawData): void {
    let decoder = this.#decoder as ParserDecoder | undefined;
    if (decoder === undefined) {
      // A closure per connection, only with a custom parser: its decoder reports by event.
      decoder = this.#decoder = parser.createDecoder((packet) => {
        if (this.#closed) return;
        if (packet instanceof ProtocolError) this.#onDecodeError(packet);
        else this.#onPacket(packet);
      });
    }
    try {
      decoder.add(data);
    } catch (err) {
      log("invalid packet format");
      this.#onDecodeError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Input that does not decode, as socket.io handles it: each socket of the connection gets
   * an `error` event with the reason, then the connection closes and they disconnect with
   * "forced close". Not recoverable: a client that sent garbage gets a fresh session.
   */
  #onDecodeError(decodeError: Error): void {
    if (this.#closed) return;
    const err = inSocketIoWords(decodeError);
    for (const socket of this.#socketList()) socket._onerror(err);
    this._close("forced close", err, false);
  }

  #onPacket(packet: Packet): void {
    const type = packet.type;
    if (type === PacketType.CONNECT || type === PacketType.CONNECT_ERROR) {
      this.#onConnectPacket(packet);
      return;
    }
    const socket = this.#socket(packet.nsp);
    if (socket !== undefined) {
      socket._onpacket(packet);
    } else if (this.#socketCount() === 0 && this.#joining === undefined) {
      // A packet for a namespace while connected to none (nor joining one): socket.io's
      // "invalid state", the connection is closed. With other namespaces connected, it is
      // dropped instead: it may be one the client sent before our DISCONNECT reached it.
      log("invalid state (packet type: %s)", type);
      this._close("forced server close");
    }
  }

  #onConnectPacket(packet: Packet): void {
    const { nsp } = packet;
    if (packet.type === PacketType.CONNECT) {
      // socket.io-client 2.x: the query rides in the namespace (`/admin?token=x`), no auth.
      const legacy =
        this.conn.protocol === LEGACY_ENGINE_PROTOCOL ? parseLegacyNamespace(nsp) : undefined;
      const name = legacy?.name ?? nsp;
      if (this.#socket(name) !== undefined || this.#isJoining(name)) {
        log("invalid state (second CONNECT to %s)", name);
        this._close("forced server close");
      } else if (this.#socketCount() + this.#joiningCount() >= this.limits.maxNamespacesPerClient) {
        log("too many namespaces, refusing %s", name);
        this.#connectError(name, "Too many namespaces");
      } else {
        this.#connect(
          name,
          legacy?.auth ?? (packet.data as Record<string, unknown> | undefined) ?? {},
        );
      }
      return;
    }
    // CONNECT_ERROR: only a server sends one.
    log("invalid state (packet type: %s)", packet.type);
    this._close("forced server close");
  }

  #connect(name: string, auth: Record<string, unknown>): void {
    if (log.enabled) log("connecting to namespace %s", name);
    this.#startJoining(name);
    // A namespace that exists (nearly every CONNECT): joined without a closure.
    const existing = this.server._nsps.get(name);
    if (existing !== undefined) {
      if (this.#closed) existing._checkEmpty();
      else existing._add(this, auth);
      return;
    }
    this.server._resolveNamespace(name, auth, (nsp) => {
      if (this.#closed) {
        // An async matcher may have created a child for us meanwhile: nobody will join it.
        nsp?._checkEmpty();
        return;
      }
      if (nsp === undefined) {
        log("creation of namespace %s was denied", name);
        this.#doneJoining(name);
        this.#connectError(name, "Invalid namespace");
        return;
      }
      nsp._add(this, auth);
    });
  }

  /** @internal A namespace connected `socket` (the end of a CONNECT, see `Namespace._add`). */
  _joined(socket: AnySocket | Socket<never, never, never, never>): void {
    const name = (socket as AnySocket).nsp.name;
    this.#doneJoining(name);
    this.#addSocket(name, socket as AnySocket);
    this.server._connectTimeouts.cancel(this);
  }

  /** @internal The namespace `name` refused the CONNECT (or the connection closed meanwhile). */
  _refused(name: string): void {
    this.#doneJoining(name);
  }

  #connectError(nsp: string, message: string): void {
    this._writePacket({ type: PacketType.CONNECT_ERROR, nsp, data: { message } }, false, true);
  }

  /** @internal Encodes and writes one packet to this connection only. */
  _writePacket(packet: Packet, volatile: boolean, compress: boolean): void {
    if (this.conn.readyState !== "open") {
      if (log.enabled) log("ignoring packet write %j", packet);
      return;
    }
    // socket.io's semantics: a volatile packet goes only onto an idle transport, so a burst of
    // them in one tick sends the first and drops the rest (checked before encoding).
    if (volatile && !this.conn.writable) {
      log("volatile packet is discarded since the transport is not currently writable");
      return;
    }
    const parser = this.server._parser;
    const frames = parser === undefined ? encodePacket(packet) : parser.encode(packet);
    if (parserLog.enabled) parserLog("encoded %j as %j", packet, frames);
    const only = frames.length === 1 ? frames[0] : undefined;
    if (only !== undefined) {
      // Shared option objects: no allocation per packet.
      this.conn.send(only, volatile ? VOLATILE_SEND[+compress] : SEND[+compress]);
    } else if (volatile) {
      // A packet with attachments spans several frames; handing them over as one prepared
      // message lets the transport drop all of them or none, never half a packet.
      this.conn.sendPrepared(prepareMessage(frames, { volatile, compress }));
    } else {
      for (const frame of frames) this.conn.send(frame, { compress });
    }
  }

  /** @internal */
  _writePrepared(message: PreparedMessage): void {
    const conn = this.conn;
    if (conn.readyState !== "open") return;
    if (message.options.volatile === true && !conn.writable) {
      log("volatile packet is discarded since the transport is not currently writable");
      return;
    }
    conn.sendPrepared(message);
  }

  /** @internal The namespace created `socket` for a CONNECT (true) or settled it (false). */
  _trackPending(socket: AnySocket | Socket<never, never, never, never>, pending: boolean): void {
    const sockets = socket as AnySocket;
    if (pending) {
      this.#pending ??= new Set();
      this.#pending.add(sockets);
    } else if (this.#pending?.delete(sockets) === true && this.#pending.size === 0) {
      this.#pending = undefined;
    }
  }

  /** @internal A socket left its namespace. */
  _remove(socket: AnySocket | Socket<never, never, never, never>): void {
    const sockets = this.#sockets;
    if (sockets === socket) {
      this.#sockets = undefined;
    } else if (sockets instanceof Map) {
      const name = socket.nsp.name;
      if (sockets.get(name) === socket) sockets.delete(name);
      if (sockets.size === 0) this.#sockets = undefined;
    }
  }

  /** @internal `socket.disconnect(true)`: every socket leaves, then the connection ends. */
  _disconnectAll(): void {
    for (const socket of this.#socketList()) socket.disconnect();
    this._close("forced server close");
  }

  /** The connect timeout passed (called by the server's wheel, as a `HeartbeatTarget`). */
  onHeartbeatDue(): void {
    if (this.#socketCount() === 0) {
      log("no namespace joined yet, close the client");
      this._close("forced server close");
    }
  }

  /**
   * @internal The server ends the connection: sockets see `reason`, then the transport closes.
   * `recoverable: false` keeps their sessions from connection state recovery.
   */
  _close(reason: DisconnectReason, description?: unknown, recoverable?: boolean): void {
    if (this.#closed) return;
    if (log.enabled) log("forcing transport close");
    this.#teardown(reason, description, recoverable);
    this.conn.close();
  }

  /** @internal The transport closed. */
  _onClose(reason: ConnectionCloseReason, description?: Error): void {
    if (this.#closed) return;
    this.#teardown(reason, description);
  }

  #teardown(reason: DisconnectReason, description: unknown, recoverable?: boolean): void {
    if (log.enabled) log("client close with reason %s", reason);
    this.#closed = true;
    this.conn._owner = null;
    this.server._connectTimeouts.cancel(this);
    const decoder = this.#decoder;
    this.#decoder = undefined;
    if (decoder !== undefined && !(decoder instanceof PacketDecoder)) decoder.destroy?.();
    const sockets = this.#socketList();
    this.#sockets = undefined;
    for (const socket of sockets) socket._onclose(reason, description, recoverable);
    const pending = this.#pending;
    this.#pending = undefined;
    // Not connected: closing one only takes it out of its rooms (no events).
    if (pending !== undefined) for (const socket of pending) socket._onclose(reason, description);
  }
}

/** `send` options by `+compress`, shared by every write (`conn.send` only reads them). */
const SEND: readonly SendOptions[] = [
  Object.freeze({ volatile: false, compress: false }),
  Object.freeze({ volatile: false, compress: true }),
];
const VOLATILE_SEND: readonly SendOptions[] = [
  Object.freeze({ volatile: true, compress: false }),
  Object.freeze({ volatile: true, compress: true }),
];

/**
 * A binary packet whose attachment count is wrong is "Illegal attachments" in socket.io's
 * parser, and handlers match on that (`/Illegal attachments/`): the error keeps Parley's
 * code and detail, after socket.io's words. Only on this error path, so only here.
 */
function inSocketIoWords(err: Error): Error {
  if (
    err instanceof ProtocolError &&
    (err.code === ProtocolErrorCode.INVALID_ATTACHMENT_COUNT ||
      err.code === ProtocolErrorCode.TOO_MANY_ATTACHMENTS)
  ) {
    return new ProtocolError(err.code, `Illegal attachments: ${err.message}`);
  }
  return err;
}
