import type { BunRelayedSocket } from "@parley/server/engine";
import type { Tunnel } from "./tunnel.js";
import {
  clientFrame,
  closePayload,
  type Frame,
  FrameReader,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
} from "./ws-frames.js";

/** The few members of Bun's ServerWebSocket the bridge uses. */
type BunSocket = Parameters<BunRelayedSocket["open"]>[0];

/**
 * A client's WebSocket on a Bun edge, bridged to the session's owner through a tunnel: Bun
 * terminates the client's connection, the bridge speaks WebSocket to the owner as a client
 * (its `ws` or Bun server frames and checks as for a direct connection) and copies messages
 * both ways. Backpressure: a client slow to read pauses the tunnel (which bounds what piles
 * up, then fails); an owner slow to take frames closes the client past `maxBuffered`.
 */
export class RelayedWebSocket implements BunRelayedSocket {
  readonly headers: Headers;
  readonly #tunnel: Tunnel;
  readonly #reader: FrameReader;
  readonly #maxBuffered: number;
  /** Frames the owner sent with its 101, before the client's socket opened. */
  #early: Buffer;
  #ws: BunSocket | null = null;
  /** A fragmented message being put together. */
  #fragments: Buffer[] = [];
  #fragmentOpcode = 0;
  #closed = false;

  constructor(tunnel: Tunnel, headers: Headers, early: Buffer, maxBuffered: number) {
    this.#tunnel = tunnel;
    this.headers = headers;
    this.#early = early;
    this.#maxBuffered = maxBuffered;
    this.#reader = new FrameReader(maxBuffered);
  }

  open(ws: BunSocket): void {
    this.#ws = ws;
    const tunnel = this.#tunnel;
    tunnel.on("error", () => {});
    tunnel.on("close", () => {
      // The owner went away (or the tunnel failed) without a close frame.
      if (!this.#closed) this.#close(tunnel.errored === null ? 1001 : 1011, "relay closed");
    });
    tunnel.on("data", (chunk: Buffer) => this.#feed(chunk));
    if (this.#early.length > 0) this.#feed(this.#early);
    this.#early = Buffer.alloc(0);
    tunnel.resume();
  }

  onMessage(message: string | Uint8Array): void {
    if (this.#closed) return;
    const tunnel = this.#tunnel;
    if (typeof message === "string") tunnel.write(clientFrame(OP_TEXT, Buffer.from(message)));
    else tunnel.write(clientFrame(OP_BINARY, message));
    // Redis takes frames slower than the client sends them: no unbounded queue here.
    if (tunnel.writableLength > this.#maxBuffered) this.#close(1013, "relay overloaded");
  }

  onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    // The owner learns it as from a client of its own: a close frame, then the end.
    const tunnel = this.#tunnel;
    if (tunnel.destroyed) return;
    tunnel.end(clientFrame(OP_CLOSE, closePayload(code, reason)), () => tunnel.destroy());
  }

  onDrain(): void {
    if (!this.#closed) this.#tunnel.resume();
  }

  abort(): void {
    this.#closed = true;
    this.#tunnel.destroy();
  }

  #feed(chunk: Buffer): void {
    if (this.#closed) return;
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
    } catch {
      this.#close(1002, "relay protocol error");
      return;
    }
    for (const frame of frames) {
      if (this.#closed) return;
      this.#onFrame(frame);
    }
  }

  #onFrame(frame: Frame): void {
    const ws = this.#ws as BunSocket;
    switch (frame.opcode) {
      case OP_PING:
        this.#tunnel.write(clientFrame(OP_PONG, frame.payload));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1000;
        this.#close(code, frame.payload.subarray(2).toString("utf8"));
        return;
      }
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONTINUATION: {
        if (frame.opcode !== OP_CONTINUATION) {
          this.#fragmentOpcode = frame.opcode;
          this.#fragments = [];
        }
        this.#fragments.push(frame.payload);
        if (!frame.fin) return;
        const payload =
          this.#fragments.length === 1
            ? (this.#fragments[0] as Buffer)
            : Buffer.concat(this.#fragments);
        this.#fragments = [];
        const sent =
          this.#fragmentOpcode === OP_TEXT
            ? ws.sendText(payload.toString("utf8"))
            : ws.sendBinary(payload);
        // Held back by Bun (slow client): stop reading the tunnel until Bun's drain.
        if (sent === -1) this.#tunnel.pause();
        return;
      }
      default:
        this.#close(1002, "relay protocol error");
    }
  }

  /** Closes the client's side with `code` and drops the tunnel. */
  #close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws?.close(code, reason);
    this.#tunnel.destroy();
  }
}
