import type { Duplex } from "node:stream";
import { ProtocolError } from "@parley/protocol";
import type { WebSocket, RawData as WsRawData } from "ws";
import * as wsExports from "ws";
import { debugLog } from "../../debug.js";
import {
  isPrepared,
  type OutgoingItem,
  type Transport,
  type TransportSink,
} from "../core/transport.js";
import { TRANSPORTS } from "../core/transports.js";
import { ENGINE_V4_WEBSOCKET, frameMessage } from "../websocket-format.js";
import type { CachedFrame, WebSocketFormat } from "../wire-format.js";

const log = debugLog("parley:engine:ws", "engine:ws");

const kTransport = Symbol("parley.websocketTransport");

interface OwnedWebSocket extends WebSocket {
  [kTransport]?: WebSocketTransport;
}

type FrameFn = (
  data: Buffer,
  options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
) => Buffer[];

// ws exports its Sender (and the static `Sender.frame`, which socket.io also relies on) but
// @types/ws does not declare it. It is a named export of ws's ESM wrapper and a property of
// its CommonJS export. Without it, broadcasts fall back to `ws.send` per recipient.
const senderFrame: FrameFn | null = (() => {
  type WithSender = { Sender?: { frame?: unknown }; default?: { Sender?: { frame?: unknown } } };
  const ns = wsExports as unknown as WithSender;
  const sender = ns.Sender ?? ns.default?.Sender;
  return typeof sender?.frame === "function" ? (sender.frame as FrameFn).bind(sender) : null;
})();

function framedBytes(frame: CachedFrame): Buffer | null {
  if (frame.framed === null && senderFrame !== null) {
    const parts = senderFrame(frame.data, {
      fin: true,
      opcode: frame.binary ? 2 : 1,
      mask: false,
      readOnly: true,
      rsv1: false,
    });
    frame.framed = Buffer.concat(parts);
  }
  return frame.framed;
}

// Shared option objects: ws spreads them, so there is no need for one per send.
const SEND_TEXT = { binary: false, compress: false } as const;
const SEND_BINARY = { binary: true, compress: false } as const;
const SEND_TEXT_Z = { binary: false, compress: true } as const;
const SEND_BINARY_Z = { binary: true, compress: true } as const;

function sendOptions(binary: boolean, compress: boolean) {
  if (compress) return binary ? SEND_BINARY_Z : SEND_TEXT_Z;
  return binary ? SEND_BINARY : SEND_TEXT;
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

/** Up to this many bytes of one tick's pre-built frames are copied into one buffer. */
const COALESCE_LIMIT = 16 * 1024;

/** Transports holding pre-built frames of this tick, flushed together by one `nextTick`. */
let dirty: WebSocketTransport[] = [];

function flushDirty(): void {
  const list = dirty;
  dirty = [];
  for (const transport of list) transport._flushPending();
}

/**
 * Engine.IO over a `ws` WebSocket. Per-connection handlers are shared functions that find their
 * transport through a symbol on the socket, so a connection allocates no listener closures.
 */
export class WebSocketTransport implements Transport {
  readonly name = "websocket" as const;
  readonly duplex = true;
  readonly upgradesTo = TRANSPORTS.websocket.upgradesTo;
  readonly #ws: OwnedWebSocket;
  readonly #socket: Duplex;
  readonly #deflate: boolean;
  /** The session's wire format (Engine.IO v4, or v3's), fixed when the WebSocket arrived. */
  readonly #format: WebSocketFormat;
  /** No extension negotiated: pre-built frames may be written to the socket as they are. */
  readonly #rawFrames: boolean;
  /** The write callback, made on the first write that asks for one (most never do). */
  #onSent: ((err?: Error) => void) | undefined;
  #sink: TransportSink | null = null;
  #closed = false;
  #corked = false;
  /**
   * Pre-built frames written this tick, not yet handed to the socket: a broadcast costs each
   * recipient an array push, and the tick's frames leave in one `socket.write` of one buffer.
   */
  #pending: Buffer[] | undefined;
  #pendingBytes = 0;

  /**
   * @param socket the raw socket the upgrade came on (the one handed to `ws.handleUpgrade`),
   *   kept to coalesce writes with cork/uncork.
   */
  constructor(
    ws: WebSocket,
    socket: Duplex,
    deflate: boolean,
    format: WebSocketFormat = ENGINE_V4_WEBSOCKET,
  ) {
    this.#ws = ws as OwnedWebSocket;
    this.#socket = socket;
    this.#deflate = deflate;
    this.#format = format;
    this.#rawFrames = ws.extensions === "";
    this.#ws[kTransport] = this;
    ws.on("message", WebSocketTransport.#handleMessage);
    ws.on("error", WebSocketTransport.#handleError);
    ws.on("close", WebSocketTransport.#handleClose);
  }

  bind(sink: TransportSink): void {
    this.#sink = sink;
  }

  get writable(): boolean {
    return !this.#closed && this.#ws.readyState === 1;
  }

  bufferedBytes(): number {
    // Read once per delivery (the send-buffer limit). Without an extension ws's sender never
    // holds frames, so its bufferedAmount is just the socket's: skip the getter chain.
    const held = this.#rawFrames ? this.#socket.writableLength : this.#ws.bufferedAmount;
    return held + this.#pendingBytes;
  }

  write(items: readonly OutgoingItem[], done?: () => void): void {
    const last = items.length - 1;
    // Only the last write of a batch asks for a callback: it completes after the others.
    for (let i = 0; i <= last; i++) {
      this.writeItem(items[i] as OutgoingItem, i === last, i === last ? done : undefined);
    }
  }

  /**
   * Writes one item (the session's direct path: no batch array per send). `notify` asks for
   * the sink's `onTransportDrain` once written; `done` runs once this item is written.
   */
  writeItem(item: OutgoingItem, notify: boolean, done?: () => void): void {
    if (!this.writable) return;
    const ws = this.#ws;
    let cb: ((err?: Error) => void) | undefined;
    if (done !== undefined) {
      // A send callback (rare): its own closure, run after the drain check.
      cb = (err) => {
        this.#sent(err);
        if (!err) done();
      };
    } else if (notify) {
      this.#onSent ??= (err) => this.#sent(err);
      cb = this.#onSent;
    }
    if (isPrepared(item)) {
      const compress = this.#deflate && item.options.compress === true;
      const frames = this.#format.frames(item);
      const last = frames.length - 1;
      for (let f = 0; f <= last; f++) {
        const frame = frames[f] as CachedFrame;
        const done = f === last ? cb : undefined;
        if (!this.#writeFramed(frame, done)) {
          this._flushPending();
          this.#cork();
          ws.send(frame.data, sendOptions(frame.binary, compress), done);
        }
      }
    } else {
      // Broadcasts are not logged per recipient: the per-recipient path stays a push.
      if (log.enabled) logItem(item);
      const data = this.#format.encode(item);
      if (this.#rawFrames && cb === undefined) {
        // No extension: frame it here and let it leave with this tick's other frames.
        this.#hold(frameMessage(data));
        return;
      }
      // Frames held for this tick go first: ws writes this one to the socket right away.
      this._flushPending();
      this.#cork();
      const compress = this.#deflate && item.compress !== false;
      ws.send(data, sendOptions(typeof data !== "string", compress), cb);
    }
  }

  /**
   * The broadcast fast path: the whole frame was built once for all recipients, so each one
   * costs a single socket write of the same bytes. Only safe while ws's sender cannot be
   * holding frames of its own (it only queues while compressing, and no extension was
   * negotiated here), which keeps the order of frames on the wire. Returns false when the
   * caller must go through `ws.send` instead.
   */
  #writeFramed(frame: CachedFrame, cb: ((err?: Error) => void) | undefined): boolean {
    if (!this.#rawFrames) return false;
    const bytes = framedBytes(frame);
    if (bytes === null) return false;
    if (cb !== undefined) {
      // Someone waits for this write (drain): hand it over now, after what is held.
      this._flushPending();
      this.#cork();
      this.#socket.write(bytes, cb as (err: Error | null | undefined) => void);
      return true;
    }
    this.#hold(bytes);
    return true;
  }

  /** Holds a complete frame until the end of this tick (see `_flushPending`). */
  #hold(bytes: Buffer): void {
    const pending = this.#pending;
    if (pending === undefined) {
      this.#pending = [bytes];
      if (dirty.length === 0) process.nextTick(flushDirty);
      dirty.push(this);
    } else {
      pending.push(bytes);
    }
    this.#pendingBytes += bytes.length;
  }

  /**
   * @internal Hands the frames held this tick to the socket: one buffer (copied together
   * while small), else one corked batch. Everything else written to this socket (ws.send,
   * close frames) calls this first, so frames keep their order.
   */
  _flushPending(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    const bytes = this.#pendingBytes;
    this.#pending = undefined;
    this.#pendingBytes = 0;
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return;
    if (pending.length === 1) {
      socket.write(pending[0] as Buffer);
    } else if (bytes <= COALESCE_LIMIT) {
      socket.write(Buffer.concat(pending, bytes));
    } else {
      socket.cork();
      for (const chunk of pending) socket.write(chunk);
      socket.uncork();
    }
  }

  /** Nothing replaces a WebSocket: leaving it is closing it. */
  discard(): void {
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this._flushPending();
    this.#closed = true;
    this.#ws.close();
  }

  /**
   * Holds this tick's writes in the socket's buffer and releases them on the next tick, so
   * many small frames (a burst of sends, a broadcast loop) leave in one syscall. The socket is
   * the one we received from the HTTP server's `upgrade` event, not ws's private `_socket`.
   */
  #cork(): void {
    if (this.#corked) return;
    const socket = this.#socket;
    if (typeof socket.cork !== "function" || socket.destroyed) return;
    socket.cork();
    this.#corked = true;
    process.nextTick(WebSocketTransport.#uncork, this);
  }

  static #uncork(transport: WebSocketTransport): void {
    transport.#corked = false;
    transport.#socket.uncork();
  }

  #sent(err: Error | undefined): void {
    if (this.#closed || this.#sink === null) return;
    if (err) this.#fail(err);
    else if (this.#ws.bufferedAmount === 0) this.#sink.onTransportDrain(this);
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    if (log.enabled) log("error: %s", err.message);
    this.#pending = undefined;
    this.#pendingBytes = 0;
    this.#closed = true;
    this.#ws.close();
    this.#sink?.onTransportError(this, "transport error", err);
  }

  #receive(data: WsRawData, isBinary: boolean): void {
    if (this.#closed || this.#sink === null) return;
    if (log.enabled) log("received %s", isBinary ? "binary" : JSON.stringify(String(data)));
    const packet = this.#format.decode(toBuffer(data), isBinary);
    if (packet instanceof ProtocolError) {
      if (log.enabled) log("parse error: %s", packet.message);
      this.#closed = true;
      this.#ws.close(1002, "parse error");
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
