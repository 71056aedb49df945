import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { CachedFrame } from "../wire-format.js";
import { framedBytes, frameMessage } from "./websocket-framer.js";

/** Up to this many bytes of one tick's frames are copied into one buffer before the write. */
const COALESCE_LIMIT = 16 * 1024;

/** Sinks holding frames of this tick: the one end-of-tick mechanism, one `nextTick` for all. */
let dirty: WebSocketSink[] = [];

function flushDirty(): void {
  const list = dirty;
  dirty = [];
  for (const sink of list) sink.flush();
}

// Shared option objects for the `ws.send` path: ws spreads them, no need for one per send.
const SEND_TEXT = { binary: false, compress: false } as const;
const SEND_BINARY = { binary: true, compress: false } as const;
const SEND_TEXT_Z = { binary: false, compress: true } as const;
const SEND_BINARY_Z = { binary: true, compress: true } as const;

function sendOptions(binary: boolean, compress: boolean) {
  if (compress) return binary ? SEND_BINARY_Z : SEND_TEXT_Z;
  return binary ? SEND_BINARY : SEND_TEXT;
}

/**
 * The one ordered way out of a WebSocket transport on Node: every data frame the session
 * writes goes through here, in call order, and nothing else writes data frames to the socket.
 *
 * - No extension negotiated (the default): frames are built by the one framer
 *   (`websocket-framer.ts`; a broadcast's frame once for all recipients), held in this sink's
 *   queue, and handed to the socket at the end of the tick — one `socket.write` of one buffer
 *   (or one corked batch past 16 KiB) per connection per tick, however many sends and
 *   broadcasts the tick made. `done` callbacks and drain notices ride on that write.
 * - permessage-deflate negotiated: every frame goes through `ws.send` at once (ws compresses
 *   and its sender's queue keeps the order; pre-built frames are not used).
 *
 * The two paths are never mixed on one connection, so frame order never depends on who
 * flushes first. `close` flushes before ws writes its close frame.
 *
 * The WebSocket transport is a sink (it extends this class) rather than holding one: one
 * object per connection, not two (a connection's idle memory is measured).
 */
export abstract class WebSocketSink {
  protected readonly ws: WebSocket;
  readonly #socket: Duplex;
  /** No extension negotiated: frames are built here and written by this sink. */
  readonly #raw: boolean;
  #chunks: Buffer[] | undefined;
  #bytes = 0;
  #callbacks: (() => void)[] | undefined;
  #notify = false;

  constructor(ws: WebSocket, socket: Duplex) {
    this.ws = ws;
    this.#socket = socket;
    this.#raw = ws.extensions === "";
  }

  /** A batch was written (`error` unset) or failed; `callbacks` are its items' `done`s. */
  protected abstract onBatchWritten(
    error: Error | null | undefined,
    callbacks: readonly (() => void)[] | undefined,
    notify: boolean,
  ): void;

  /** Bytes given to the sink and not yet to the operating system. */
  protected queuedBytes(): number {
    // Without an extension ws's sender never holds frames: its bufferedAmount is the
    // socket's, so skip the getter chain.
    return this.#raw ? this.#socket.writableLength + this.#bytes : this.ws.bufferedAmount;
  }

  /** One Engine.IO packet's WebSocket message (text, or binary bytes). */
  protected queueMessage(
    data: string | Uint8Array,
    compress: boolean,
    notify: boolean,
    done: (() => void) | undefined,
  ): void {
    const binary = typeof data !== "string";
    if (this.#raw) this.#push(frameMessage(data, binary), notify, done);
    else this.#send(data, binary, compress, notify, done);
  }

  /** One frame of a broadcast, framed once for every recipient. */
  protected queueCached(
    frame: CachedFrame,
    compress: boolean,
    notify: boolean,
    done: (() => void) | undefined,
  ): void {
    if (this.#raw) this.#push(framedBytes(frame), notify, done);
    else this.#send(frame.data, frame.binary, compress, notify, done);
  }

  /**
   * Hands what this tick queued to the socket now (the end of the tick does it otherwise).
   * The Node front calls it once more, inside the handshake's cork, so the OPEN frame leaves
   * in the same write as the 101.
   */
  flush(): void {
    const chunks = this.#chunks;
    if (chunks === undefined) return;
    const bytes = this.#bytes;
    const callbacks = this.#callbacks;
    const notify = this.#notify;
    this.#chunks = undefined;
    this.#bytes = 0;
    this.#callbacks = undefined;
    this.#notify = false;
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return;
    const written =
      callbacks === undefined && !notify
        ? undefined
        : (error: Error | null | undefined) => this.onBatchWritten(error, callbacks, notify);
    if (chunks.length === 1) {
      socket.write(chunks[0] as Buffer, written);
    } else if (bytes <= COALESCE_LIMIT) {
      socket.write(Buffer.concat(chunks, bytes), written);
    } else {
      socket.cork();
      const last = chunks.length - 1;
      for (let i = 0; i < last; i++) socket.write(chunks[i] as Buffer);
      socket.write(chunks[last] as Buffer, written);
      socket.uncork();
    }
  }

  /** Forgets what is queued (the transport failed). */
  protected dropQueue(): void {
    this.#chunks = undefined;
    this.#bytes = 0;
    this.#callbacks = undefined;
    this.#notify = false;
  }

  #push(bytes: Buffer, notify: boolean, done: (() => void) | undefined): void {
    const chunks = this.#chunks;
    if (chunks === undefined) {
      this.#chunks = [bytes];
      if (dirty.length === 0) process.nextTick(flushDirty);
      dirty.push(this);
    } else {
      chunks.push(bytes);
    }
    this.#bytes += bytes.length;
    if (notify) this.#notify = true;
    if (done !== undefined) {
      if (this.#callbacks === undefined) this.#callbacks = [done];
      else this.#callbacks.push(done);
    }
  }

  #send(
    data: string | Uint8Array,
    binary: boolean,
    compress: boolean,
    notify: boolean,
    done: (() => void) | undefined,
  ): void {
    const written =
      done === undefined && !notify
        ? undefined
        : (error?: Error) =>
            this.onBatchWritten(error, done === undefined ? undefined : [done], notify);
    this.ws.send(data, sendOptions(binary, compress), written);
  }
}
