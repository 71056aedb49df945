import type { Duplex } from "node:stream";
import { ProtocolError } from "@parley/protocol";
import type { WebSocket, RawData as WsRawData } from "ws";
import { debugLog } from "../../debug.js";
import type { TransportName } from "../core/contract.js";
import {
  isPrepared,
  type OutgoingItem,
  type Transport,
  type TransportSink,
} from "../core/transport.js";
import { TRANSPORTS } from "../core/transports.js";
import { ENGINE_V4_WEBSOCKET } from "../websocket-format.js";
import type { CachedFrame, WebSocketFormat } from "../wire-format.js";
import { WebSocketSink } from "./websocket-sink.js";

const log = debugLog("parley:engine:ws", "engine:ws");

const kTransport = Symbol("parley.websocketTransport");

interface OwnedWebSocket extends WebSocket {
  [kTransport]?: WebSocketTransport;
}

function toBuffer(data: WsRawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function logItem(item: OutgoingItem): void {
  if (isPrepared(item)) {
    log("writing a broadcast of %d frame(s)", item.frames.length);
  } else {
    const data = item.data;
    log(
      "writing %s%s",
      item.type,
      data === undefined
        ? ""
        : typeof data === "string"
          ? ` ${JSON.stringify(data)}`
          : ` <${data.byteLength} bytes>`,
    );
  }
}

/**
 * Engine.IO over a `ws` WebSocket. Per-connection handlers are shared functions that find their
 * transport through a symbol on the socket, so a connection allocates no listener closures.
 */
export class WebSocketTransport extends WebSocketSink implements Transport {
  declare readonly name: "websocket";
  declare readonly duplex: boolean;
  declare readonly upgradesTo: readonly TransportName[];
  readonly #deflate: boolean;
  /** The session's wire format (Engine.IO v4, or v3's), fixed when the WebSocket arrived. */
  readonly #format: WebSocketFormat;
  #sink: TransportSink | null = null;
  #closed = false;

  /**
   * @param socket the raw socket the upgrade came on (the one handed to `ws.handleUpgrade`),
   *   which the sink writes frames to.
   */
  constructor(
    ws: WebSocket,
    socket: Duplex,
    deflate: boolean,
    format: WebSocketFormat = ENGINE_V4_WEBSOCKET,
  ) {
    // Every data frame leaves through the sink, in order (see `websocket-sink.ts`).
    super(ws, socket);
    this.#deflate = deflate;
    this.#format = format;
    (ws as OwnedWebSocket)[kTransport] = this;
    ws.on("message", WebSocketTransport.#handleMessage);
    ws.on("error", WebSocketTransport.#handleError);
    ws.on("close", WebSocketTransport.#handleClose);
  }

  bind(sink: TransportSink): void {
    this.#sink = sink;
  }

  get writable(): boolean {
    return !this.#closed && this.ws.readyState === 1;
  }

  bufferedBytes(): number {
    return this.queuedBytes();
  }

  write(items: readonly OutgoingItem[], done?: () => void): void {
    const last = items.length - 1;
    // Only the last item of a batch asks for a callback: it completes after the others.
    for (let i = 0; i <= last; i++) {
      this.writeItem(items[i] as OutgoingItem, i === last, i === last ? done : undefined);
    }
  }

  writeItem(item: OutgoingItem, notifyDrain: boolean, done?: () => void): void {
    if (!this.writable) return;
    if (isPrepared(item)) {
      // Broadcasts are not logged per recipient: the per-recipient path stays a push.
      const compress = this.#deflate && item.options.compress === true;
      const frames = this.#format.frames(item);
      const last = frames.length - 1;
      for (let f = 0; f < last; f++)
        this.queueCached(frames[f] as CachedFrame, compress, false, undefined);
      this.queueCached(frames[last] as CachedFrame, compress, notifyDrain, done);
      return;
    }
    if (log.enabled) logItem(item);
    const compress = this.#deflate && item.compress !== false;
    this.queueMessage(this.#format.encode(item), compress, notifyDrain, done);
  }

  /** Nothing replaces a WebSocket: leaving it is closing it. */
  discard(): void {
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    // What the session wrote goes out before ws's close frame.
    this.flush();
    this.#closed = true;
    this.ws.close();
  }

  protected onBatchWritten(
    error: Error | null | undefined,
    callbacks: readonly (() => void)[] | undefined,
    notify: boolean,
  ): void {
    if (error) {
      this.#fail(error);
      return;
    }
    // Send callbacks run once their bytes are written, even if the session closed since.
    if (notify && !this.#closed && this.queuedBytes() === 0) this.#sink?.onTransportDrain(this);
    if (callbacks !== undefined) for (const callback of callbacks) callback();
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    if (log.enabled) log("error: %s", err.message);
    this.dropQueue();
    this.#closed = true;
    this.ws.close();
    this.#sink?.onTransportError(this, "transport error", err);
  }

  #receive(data: WsRawData, isBinary: boolean): void {
    if (this.#closed || this.#sink === null) return;
    if (log.enabled) log("received %s", isBinary ? "binary" : JSON.stringify(String(data)));
    const packet = this.#format.decode(toBuffer(data), isBinary);
    if (packet instanceof ProtocolError) {
      if (log.enabled) log("parse error: %s", packet.message);
      this.dropQueue();
      this.#closed = true;
      this.ws.close(1002, "parse error");
      this.#sink.onTransportError(this, "parse error", packet);
      return;
    }
    this.#sink.onTransportPacket(this, packet);
  }

  static #handleMessage = function (this: OwnedWebSocket, data: WsRawData, isBinary: boolean) {
    const transport = this[kTransport];
    if (transport !== undefined) transport.#receive(data, isBinary);
  };

  static #handleError = function (this: OwnedWebSocket, err: Error) {
    // ws has already started closing (e.g. 1009 for an oversized message); just report.
    const transport = this[kTransport];
    if (transport !== undefined) transport.#fail(err);
  };

  static #handleClose = function (this: OwnedWebSocket) {
    const transport = this[kTransport];
    if (transport === undefined || transport.#closed) return;
    transport.#closed = true;
    transport.#sink?.onTransportClose(transport);
  };
}

// Capabilities are constants of the kind: on the prototype, not a field per connection.
Object.defineProperties(WebSocketTransport.prototype, {
  name: { value: "websocket" },
  duplex: { value: TRANSPORTS.websocket.duplex },
  upgradesTo: { value: TRANSPORTS.websocket.upgradesTo },
});
