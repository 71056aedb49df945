import type { EventEmitter } from "node:events";
import type { EnginePacketType, RawData } from "@parley/protocol";

/**
 * The contract between the transport layer (Engine.IO sessions) and the session layer
 * (Socket.IO namespaces, sockets, rooms), free of any runtime's types: the session layer only
 * ever sees these, so every runtime front (Node's `http` + `ws`, Bun's `Bun.serve`) provides
 * connections without any change above this line. `../contract.ts` is the same contract with
 * Node's request types filled in (the public `EngineConnection`).
 */

export type TransportName = "polling" | "websocket";

export type ConnectionState = "opening" | "open" | "closing" | "closed";

/**
 * Why an Engine.IO session ended. These are Socket.IO's disconnect reason strings, surfaced
 * unchanged to `socket.on("disconnect", reason)`.
 */
export type ConnectionCloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "forced server close"
  | "server shutting down"
  | "send buffer overflow";

export interface SendOptions {
  /** Ask the transport to compress this message (permessage-deflate / gzip), if enabled. */
  compress?: boolean;
  /**
   * May be dropped instead of queued: when the transport is not writable right now, or the
   * session's send buffer is over its limit.
   */
  volatile?: boolean;
}

/**
 * A message encoded once and sent to many connections (a broadcast). `frames` are the Engine.IO
 * `message` payloads in order (a Socket.IO packet with binary is one text frame followed by its
 * attachments). Transports may cache their own framing of it in `cache`, so the per-recipient
 * cost is a write of the same bytes.
 */
export interface PreparedMessage {
  readonly frames: readonly RawData[];
  readonly options: Readonly<SendOptions>;
  /** Per-transport cached encodings, keyed by transport name. Owned by the transport layer. */
  readonly cache: Map<string, unknown>;
}

export function prepareMessage(
  frames: readonly RawData[],
  options: SendOptions = {},
): PreparedMessage {
  return { frames, options, cache: new Map() };
}

/** What a transport exposes to users through `socket.conn.transport`. */
export interface TransportInfo {
  readonly name: TransportName;
  /**
   * Whether a message sent now goes straight out (polling: a GET is waiting; WebSocket:
   * nothing buffered), engine.io's `transport.writable`, which decides volatile packets.
   */
  readonly writable: boolean;
}

/**
 * What `conn.send` takes, as engine.io does: text, or binary as any ArrayBuffer, typed array or
 * DataView (sent as a binary message with exactly its bytes). `null`/`undefined` send an empty
 * message.
 */
export type MessageData = string | ArrayBuffer | ArrayBufferView | null | undefined;

/** Called once the message has been written to the transport (engine.io's send callback). */
export type SendCallback = (transport: TransportInfo) => void;

/** An Engine.IO packet as engine.io's `packet` / `packetCreate` / `flush` events give it. */
export interface PacketInfo {
  readonly type: EnginePacketType;
  readonly data?: RawData;
  /** Outgoing packets only. */
  readonly options?: { readonly compress: boolean };
}

export interface ConnectionEvents {
  /** One Engine.IO `message` packet's payload: text as a string, binary as a Buffer. */
  message: [data: RawData];
  /** The session ended. Emitted exactly once. */
  close: [reason: ConnectionCloseReason, description?: Error];
  /** A polling session started probing WebSocket. */
  upgrading: [transport: TransportInfo];
  /** The session now runs on `transport`. */
  upgrade: [transport: TransportInfo];
  /** Everything buffered so far has been handed to the operating system. */
  drain: [];
  /** A ping/pong round completed (the peer is alive). */
  heartbeat: [];
  /** A packet arrived from the peer (any type; emitted only while someone listens). */
  packet: [packet: PacketInfo];
  /** A packet is about to be queued for the peer (emitted only while someone listens). */
  packetCreate: [packet: PacketInfo];
  /** Packets are being handed to the transport (emitted only while someone listens). */
  flush: [packets: PacketInfo[]];
  /**
   * The send buffer was found over `maxBufferedBytes` (`bufferedBytes`): at a heartbeat, the
   * first warning (past it at the next one too, the session ends), or at a send that would
   * take it past twice the limit, just before the session ends with "send buffer overflow".
   * Emitted only while someone listens (metrics).
   */
  overflow: [bufferedBytes: number];
}

/** Request headers, lower-case names (Node's `IncomingHttpHeaders` is one). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The handshake request as the session layer reads it (`socket.handshake`), without
 * materializing `EngineConnection.request`: an idle connection keeps only this.
 */
export interface HandshakeInfo<Headers extends RequestHeaders = RequestHeaders> {
  readonly url: string;
  readonly headers: Headers;
  /** Whether the handshake arrived over TLS. */
  readonly secure: boolean;
}

/**
 * The one object of the session layer that owns a connection (its Socket.IO `Client`). The
 * connection calls it directly, before emitting the public event: EventEmitter listeners
 * would cost every connection an `_events` dictionary and listener entries.
 */
export interface ConnectionOwner {
  /** @internal */
  _onData(data: RawData): void;
  /** @internal */
  _onClose(reason: ConnectionCloseReason, description?: Error): void;
}

/**
 * One Engine.IO session, whatever transport it currently runs on. Guarantees:
 * - `message` events arrive in the order the peer sent them;
 * - `send`s are delivered in call order, across an upgrade too;
 * - after `close` no event fires and `send` is a no-op.
 */
export interface Connection<Req = unknown, Info extends HandshakeInfo = HandshakeInfo>
  extends EventEmitter<ConnectionEvents> {
  /** Session id (`sid`): 20+ characters from a cryptographic random source. */
  readonly id: string;
  /**
   * The runtime's request that opened the session (handshake; Node: its `IncomingMessage`):
   * the very object `allowRequest` and the engine's middlewares saw, so what they added
   * (`req.session`) and anything set on it
   * later is there.
   */
  readonly request: Req;
  /** The handshake request as `socket.handshake` reads it. */
  readonly handshakeRequest: Info;
  /**
   * @internal Told of every message and of the close before the `message` / `close` events
   * (set by the session layer; errors it throws are reported like a listener's).
   */
  _owner: ConnectionOwner | null;
  /** Engine.IO protocol revision of the peer: 4, or 3 for a v3 client (`allowEIO3`). */
  readonly protocol: number;
  readonly transport: TransportInfo;
  readonly readyState: ConnectionState;
  readonly remoteAddress: string;
  /**
   * Whether a packet sent now would leave at once, behind nothing still queued or unflushed
   * (engine.io's `transport.writable`): on polling a GET is waiting and no answer is being put
   * together; on WebSocket everything written was handed to the operating system. Socket.IO
   * drops a volatile packet while this is false.
   */
  readonly writable: boolean;
  /**
   * Sends one Engine.IO `message` packet; `callback` runs once it is written to the transport
   * (not if the session closes first or a volatile message is dropped).
   */
  send(data: MessageData, options?: SendOptions | SendCallback, callback?: SendCallback): this;
  /** Alias of `send`, as engine.io has. */
  write(data: MessageData, options?: SendOptions | SendCallback, callback?: SendCallback): this;
  /** Sends a broadcast prepared once for all its recipients. */
  sendPrepared(message: PreparedMessage): void;
  /** Ends the session (flushing what is buffered where the transport can). */
  close(): void;
}
