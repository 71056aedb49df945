import { decodeEnginePacket, encodeEnginePacket, ProtocolError } from "@parley/protocol";
import { TransportError } from "../options.js";
import type { WebSocketConstructor, WebSocketLike } from "../platform.js";
import {
  silentHandler,
  type Transport,
  type TransportHandler,
  type TransportInit,
} from "../transport.js";

/** A received frame as the codec wants it: text, or bytes. */
function toFrame(data: unknown): string | Uint8Array | undefined {
  if (typeof data === "string" || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return undefined;
}

/**
 * WebSocket, on the browser's `WebSocket` or (Node) the `ws` package. `send` hands frames to
 * the socket synchronously, so the transport stays writable while open.
 */
export class WebSocketTransport implements Transport {
  readonly name = "websocket";
  handler: TransportHandler = silentHandler;
  sid: string | undefined;
  #ws: WebSocketLike | undefined;
  #open = false;
  #closed = false;
  readonly #init: TransportInit;

  constructor(init: TransportInit) {
    this.#init = init;
  }

  get writable(): boolean {
    return this.#open;
  }

  open(): void {
    const { url, opts, platform, maxPayload } = this.#init;
    // Defined: the engine tries WebSocket only where the platform has one. Were it gone
    // since, `new` throws a TypeError, reported below like any other failure.
    const Ctor = platform.WebSocket() as WebSocketConstructor;
    let ws: WebSocketLike;
    try {
      const options: { headers?: Record<string, string>; maxPayload: number } = { maxPayload };
      if (platform.headers && opts.extraHeaders) options.headers = opts.extraHeaders;
      ws = new Ctor(url.replace(/^http/, "ws"), undefined, options);
      ws.binaryType = platform.binaryType;
    } catch (err) {
      // Report asynchronously, like every other failure, so callers see one code path.
      queueMicrotask(() => this.#fail("transport error", err));
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      this.#open = true;
      this.handler.onOpen();
    };
    ws.onclose = (ev) =>
      this.#fail("transport close", {
        code: ev.code,
        reason: ev.reason,
        message: "websocket connection closed",
      });
    ws.onerror = (ev) => {
      // `ws` (Node) enforces maxPayload itself: an oversized frame is bad input, not a network fault.
      const code = (ev as { error?: { code?: unknown } }).error?.code;
      this.#fail(
        code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? "parse error" : "transport error",
        new TransportError("websocket error", ev),
      );
    };
    ws.onmessage = (ev) => this.#onMessage(ev.data);
  }

  send(packets: Parameters<Transport["send"]>[0]): void {
    try {
      // `ws` (Node) takes the compress option; a browser's WebSocket ignores it.
      for (const packet of packets) this.#ws?.send(encodeEnginePacket(packet), packet.options);
    } catch (err) {
      this.#fail("transport error", err);
      return;
    }
    this.handler.onDrain();
  }

  pause(onPause: () => void): void {
    onPause();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    this.handler = silentHandler;
    this.#detach();
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    const frame = toFrame(data);
    // Bytes of a binary frame (a Uint8Array's length), UTF-16 code units of a text one.
    const size = frame?.length as number;
    const packet =
      frame === undefined
        ? new ProtocolError("EMPTY_PACKET", "unsupported frame type")
        : size > this.#init.maxPayload
          ? new ProtocolError("PACKET_TOO_LARGE", `frame of ${size} exceeds maxPayload`)
          : decodeEnginePacket(frame);
    if (packet instanceof ProtocolError) {
      this.#fail("parse error", packet);
      return;
    }
    if (packet.type === "close") {
      this.#fail("transport close", "transport closed by the server");
      return;
    }
    this.handler.onPacket(packet);
  }

  #detach(): void {
    const ws = this.#ws;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    // Keep a no-op error listener: `ws` in Node throws on an "error" event with no listener.
    ws.onerror = () => {};
    try {
      ws.close();
    } catch {
      // closing a socket that is still connecting may throw in some runtimes; it is gone anyway
    }
  }

  #fail(reason: "transport error" | "transport close" | "parse error", description: unknown) {
    if (this.#closed) return;
    const handler = this.handler;
    this.close();
    handler.onClose(reason, description);
  }
}
