import type { IncomingMessage } from "node:http";
import { decodeEnginePacket, type EnginePacket, ProtocolError } from "@parley/protocol";
import { debugLog } from "../../debug.js";
import type { PreparedMessage, TransportName } from "../core/contract.js";
import type { RequestRecord } from "../core/request.js";
import {
  isPrepared,
  type OutgoingItem,
  type Transport,
  type TransportSink,
} from "../core/transport.js";
import { TRANSPORTS } from "../core/transports.js";
import type { BunRelayedSocket } from "../session-relay.js";
import { ENGINE_V4_WEBSOCKET } from "../websocket-format.js";
import type { WebSocketFormat } from "../wire-format.js";
import type { BunWebSocket } from "./bun-runtime.js";
import { Opening } from "./opening.js";

/** The reason Bun gives its close handler for a message over `maxPayloadLength`. */
const OVERSIZED_MESSAGE_REASON = "Received too big message";

const log = debugLog("parley:engine:ws", "engine:ws");

/** A broadcast frame as Bun sends it: text as a string (`sendText`), binary as bytes. */
export type BunFrame = string | Uint8Array;

/**
 * A broadcast's frames for Bun, made once per message and cached on it: Bun frames and sends
 * natively, so the engine's only per-message work is the Engine.IO encoding. v4 and v3 share
 * text frames; v3 binary frames carry their type byte (the format's own framing).
 */
export function bunFrames(message: PreparedMessage, format: WebSocketFormat): readonly BunFrame[] {
  const key = format === ENGINE_V4_WEBSOCKET ? "bun" : "bun-v3";
  const cached = message.cache.get(key) as readonly BunFrame[] | undefined;
  if (cached !== undefined) return cached;
  const frames: BunFrame[] =
    format === ENGINE_V4_WEBSOCKET
      ? message.frames.map((f) => (typeof f === "string" ? `4${f}` : f))
      : format.frames(message).map((f) => (f.binary ? f.data : f.data.toString("utf8")));
  message.cache.set(key, frames);
  return frames;
}

/** What Bun's events for one connection go to: its transport, or a relayed connection. */
export type BunSocketPeer = Pick<BunWebSocketTransport, "onMessage" | "onClose" | "onDrain">;

/**
 * What the engine attaches to each of Bun's WebSocket connections (`ws.data`): the
 * connection's transport itself, made at the upgrade (Bun needs `data` before `open`) and
 * given the WebSocket in `open`; or, for a connection relayed to the node owning its session
 * (session relay), the relay's bridge. One object per connection rather than a `data` record
 * beside the transport (64 B per idle connection in JavaScriptCore).
 */
export type BunSocketData = BunWebSocketTransport | BunRelayedSocket;

/** `#flags` bits. */
const CLOSED = 1;
/** A drain was asked for while Bun held bytes back: report it from Bun's `drain`. */
const DRAIN_WANTED = 2;
const COMPRESS = 4;
/** An upgrade of a polling session (`transport=websocket` with a `sid`). */
const PROBE = 8;

/**
 * Engine.IO over one of Bun's native WebSockets. Bun frames, buffers and applies backpressure
 * in native code: a send is one call, and a room broadcast can be one `server.publish` for
 * every subscribed connection (see `topics.ts`). Made at the upgrade as the connection's
 * `ws.data` (see `BunSocketData`), with what Bun's `open` needs; its own fields are few
 * (booleans as bits of one number), as an idle connection keeps it for its life.
 */
export class BunWebSocketTransport implements Transport {
  declare readonly name: "websocket";
  declare readonly duplex: boolean;
  declare readonly upgradesTo: readonly TransportName[];
  /** An `Opening` until Bun's `open`. */
  #ws: BunWebSocket<BunSocketData>;
  readonly #format: WebSocketFormat;
  #sink: TransportSink | null;
  #flags: number;

  constructor(
    compress: boolean,
    format: WebSocketFormat,
    sid: string,
    record: RequestRecord<IncomingMessage> | undefined,
    probe: boolean,
  ) {
    this.#ws = new Opening(sid, record);
    this.#format = format;
    this.#sink = null;
    this.#flags = (compress ? COMPRESS : 0) | (probe ? PROBE : 0);
  }

  /** Whether this WebSocket upgrades a polling session. */
  get probe(): boolean {
    return (this.#flags & PROBE) !== 0;
  }

  get format(): WebSocketFormat {
    return this.#format;
  }

  /** Bun's `open`: the connection is up; what was kept for it (once, then dropped). */
  open(ws: BunWebSocket<BunSocketData>): Opening {
    const opening = this.#ws;
    this.#ws = ws;
    if (opening instanceof Opening) return opening;
    throw new Error("the WebSocket was opened already");
  }

  /** The connection, for the engine's topic subscriptions. */
  get socket(): BunWebSocket<BunSocketData> {
    return this.#ws;
  }

  bind(sink: TransportSink): void {
    this.#sink = sink;
  }

  get writable(): boolean {
    return (this.#flags & CLOSED) === 0 && this.#ws.readyState === 1;
  }

  get closed(): boolean {
    return (this.#flags & CLOSED) !== 0;
  }

  bufferedBytes(): number {
    return (this.#flags & CLOSED) !== 0 ? 0 : this.#ws.getBufferedAmount();
  }

  write(items: readonly OutgoingItem[], done?: () => void): void {
    const last = items.length - 1;
    for (let i = 0; i <= last; i++) {
      this.writeItem(items[i] as OutgoingItem, i === last, i === last ? done : undefined);
    }
  }

  /**
   * Writes one item. `notify` asks for the sink's `onTransportDrain` once Bun holds nothing
   * back; `done` runs once the item is handed to Bun (after this call returns).
   */
  writeItem(item: OutgoingItem, notify: boolean, done?: () => void): void {
    const ws = this.#ws;
    const flags = this.#flags;
    if ((flags & CLOSED) !== 0 || ws.readyState !== 1) return;
    // A reply to one client (a text `message`) is the per-message path: one `sendText`.
    let queued: boolean;
    if (isPrepared(item)) {
      queued = this.#sendPrepared(item);
    } else {
      const compress = (flags & COMPRESS) !== 0 && item.compress !== false;
      const data = item.data;
      // v4 and v3 frame a text message alike: "4" and the text.
      queued =
        item.type === "message" && typeof data === "string"
          ? ws.sendText(`4${data}`, compress) === -1
          : this.#send(this.#format.encode(item), compress);
    }
    if (done !== undefined) queueMicrotask(done);
    if (notify) this.#notifyWhenDrained(queued);
  }

  /** Sends one frame; true when Bun queued it behind backpressure. */
  #send(data: string | Uint8Array, compress: boolean): boolean {
    const ws = this.#ws;
    return (
      (typeof data === "string" ? ws.sendText(data, compress) : ws.sendBinary(data, compress)) ===
      -1
    );
  }

  /** A broadcast's frames, made once for every recipient (`bunFrames`). */
  #sendPrepared(item: PreparedMessage): boolean {
    const compress = (this.#flags & COMPRESS) !== 0 && item.options.compress === true;
    let queued = false;
    for (const frame of bunFrames(item, this.#format)) {
      if (this.#send(frame, compress)) queued = true;
    }
    return queued;
  }

  #notifyWhenDrained(queued: boolean): void {
    if (queued) this.#flags |= DRAIN_WANTED;
    else queueMicrotask(() => this.#drained());
  }

  close(): void {
    if ((this.#flags & CLOSED) !== 0) return;
    this.#flags |= CLOSED;
    this.#ws.close();
  }

  /** Nothing replaces a WebSocket: leaving a session is closing. */
  discard(): void {
    this.close();
  }

  #drained(): void {
    if ((this.#flags & CLOSED) === 0 && this.#sink !== null) this.#sink.onTransportDrain(this);
  }

  /** Bun's `drain`: what backpressure held has been written. */
  onDrain(): void {
    if ((this.#flags & DRAIN_WANTED) === 0) return;
    this.#flags &= ~DRAIN_WANTED;
    this.#drained();
  }

  /** Bun's `message`: one WebSocket message, text as a string, binary as bytes. */
  onMessage(message: string | Uint8Array): void {
    const sink = this.#sink;
    if ((this.#flags & CLOSED) !== 0 || sink === null) return;
    if (log.enabled) log("received %s", typeof message === "string" ? message : "binary");
    let packet: EnginePacket | ProtocolError;
    if (typeof message !== "string" || this.#format !== ENGINE_V4_WEBSOCKET) {
      packet = this.#decodeOther(message);
    } else if (message.length > 1 && message.charCodeAt(0) === 52 /* "4" */) {
      // A v4 text message, the per-message case: what decodeEnginePacket makes of it.
      packet = { type: "message", data: message.slice(1) };
    } else {
      packet = decodeEnginePacket(message);
    }
    if (packet instanceof ProtocolError) this.#onParseError(sink, packet);
    else sink.onTransportPacket(this, packet);
  }

  /** Binary frames, and text in another format (v3): through the format, as Buffers. */
  #decodeOther(message: string | Uint8Array): EnginePacket | ProtocolError {
    return typeof message === "string"
      ? this.#format.decode(Buffer.from(message, "utf8"), false)
      : this.#format.decode(
          Buffer.from(message.buffer, message.byteOffset, message.byteLength),
          true,
        );
  }

  #onParseError(sink: TransportSink, error: ProtocolError): void {
    if (log.enabled) log("parse error: %s", error.message);
    this.#flags |= CLOSED;
    this.#ws.close(1002, "parse error");
    sink.onTransportError(this, "parse error", error);
  }

  /** Bun's `close`: the connection is gone (closed by either side, or failed). */
  onClose(code: number, reason: string): void {
    if ((this.#flags & CLOSED) !== 0) return;
    this.#flags |= CLOSED;
    if (log.enabled) log("closed by peer (%d %s)", code, reason);
    // Bun refused a message over maxPayloadLength: it sends the peer 1009 (as ws does) but
    // calls this handler with 1006 and its own reason, so both are read as that refusal.
    if (code === 1009 || reason === OVERSIZED_MESSAGE_REASON) {
      this.#sink?.onTransportError(this, "transport error", new Error("Max payload size exceeded"));
      return;
    }
    this.#sink?.onTransportClose(this);
  }
}

// Constants of the kind: on the prototype, not three fields per connection.
Object.defineProperties(BunWebSocketTransport.prototype, {
  name: { value: "websocket" },
  duplex: { value: true },
  upgradesTo: { value: TRANSPORTS.websocket.upgradesTo },
});

/**
 * What the front makes (`upgradeTransport`): a subclass whose own prototype holds no
 * accessor. JSC sizes an object for the fields its constructor assigns plus each non-function
 * property of its prototype, up to 6 slots: with the transport's getters and constants on its
 * own prototype it took 64 B; one prototype down, its 4 fields take 48 B (Bun 1.4.5).
 */
export class BunWebSocketConnection extends BunWebSocketTransport {}
