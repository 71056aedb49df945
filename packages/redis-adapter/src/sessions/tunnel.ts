import { Duplex } from "node:stream";
import { Kind, type TunnelMessage } from "./wire.js";

/** Stable codes of the ways a tunnel can fail. */
export type TunnelErrorCode =
  /** The other end dropped the tunnel (its client went away, or it gave up). */
  | "RELAY_RESET"
  /** More than the per-tunnel limit of bytes arrived and nobody read them. */
  | "RELAY_BUFFER_OVERFLOW"
  /** The node at the other end stopped heartbeating, said goodbye, or we are closing. */
  | "RELAY_PEER_GONE"
  /** Redis did not take a message of this tunnel. */
  | "RELAY_PUBLISH_FAILED";

export class TunnelError extends Error {
  readonly code: TunnelErrorCode;
  constructor(code: TunnelErrorCode, message: string) {
    super(message);
    this.name = "TunnelError";
    this.code = code;
  }
}

/** What a tunnel needs from its relay. */
export interface TunnelLink {
  /** Publishes one of this tunnel's messages to its peer; settles once Redis took it. */
  send(tunnel: Tunnel, kind: TunnelMessage["kind"], payload?: Buffer): Promise<unknown>;
  /** The tunnel is gone: drop it from the relay's tables. */
  forget(tunnel: Tunnel): void;
}

/**
 * One byte stream between two nodes, over Redis Pub/Sub: a Duplex, so Node's HTTP server and
 * client, and `ws`, run on it as they would on a TCP socket. Order is kept because each node
 * publishes on one Redis connection and listens on one.
 *
 * Memory is bounded both ways by `maxBuffered`: writes wait (backpressure) while that many
 * bytes are published and not yet acknowledged by Redis; and since a Pub/Sub peer cannot be
 * paused, a tunnel whose reader lets more than that pile up is destroyed
 * (RELAY_BUFFER_OVERFLOW) rather than grow without end.
 */
export class Tunnel extends Duplex {
  /** The node at the other end. */
  readonly peer: string;
  /** Unique among the tunnels its initiator opened. */
  readonly id: number;
  /** Whether this node opened it (the edge) rather than accepted it (the owner). */
  readonly initiator: boolean;
  /** Bytes received from the peer. */
  bytesReceived = 0;
  readonly #link: TunnelLink;
  readonly #maxBuffered: number;
  #opened: boolean;
  #inflight = 0;
  #waiting: ((error?: Error | null) => void) | null = null;
  #sentEnd = false;
  #gotEnd = false;
  #peerGone = false;

  constructor(link: TunnelLink, peer: string, id: number, initiator: boolean, maxBuffered: number) {
    super({ allowHalfOpen: true });
    this.#link = link;
    this.peer = peer;
    this.id = id;
    this.initiator = initiator;
    this.#maxBuffered = maxBuffered;
    // The initiator's first write is the OPEN; an acceptor exists because it got one.
    this.#opened = !initiator;
  }

  // Net.Socket methods that Node's HTTP code and ws call; timeouts are the relay's business.
  setTimeout(_ms: number, _cb?: () => void): this {
    return this;
  }
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }
  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this;
  }

  /** A message from the peer (the relay routes it here). */
  receive(kind: TunnelMessage["kind"], payload: Buffer): void {
    if (this.destroyed) return;
    switch (kind) {
      case Kind.OPEN:
      case Kind.DATA:
        if (this.#gotEnd || payload.length === 0) return;
        this.bytesReceived += payload.length;
        this.push(payload);
        if (this.readableLength > this.#maxBuffered) {
          this.destroy(
            new TunnelError(
              "RELAY_BUFFER_OVERFLOW",
              `more than ${this.#maxBuffered} relayed bytes waiting to be read`,
            ),
          );
        }
        return;
      case Kind.END:
        if (this.#gotEnd) return;
        this.#gotEnd = true;
        this.push(null);
        return;
      case Kind.RESET:
        this.#peerGone = true;
        this.destroy(
          new TunnelError("RELAY_RESET", "the other node dropped the relayed connection"),
        );
        return;
    }
  }

  /** The peer node is gone (dead, or said goodbye): nobody to tell. */
  peerGone(message: string): void {
    this.#peerGone = true;
    this.destroy(new TunnelError("RELAY_PEER_GONE", message));
  }

  override _read(): void {
    // Pub/Sub cannot be paused; the overflow check in receive() bounds what piles up.
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.#publish(chunk, callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    // Everything written in one corked tick (ws frames, an HTTP head and body) is one message.
    const data =
      chunks.length === 1
        ? (chunks[0]?.chunk as Buffer)
        : Buffer.concat(chunks.map((c) => c.chunk));
    this.#publish(data, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#opened) {
      this.#sentEnd = true;
      this.#link.send(this, Kind.END).catch(() => {});
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Tell the peer unless it left first, or both ends were closed in good order already.
    if (this.#opened && !this.#peerGone && (error !== null || !this.#sentEnd)) {
      this.#link.send(this, Kind.RESET).catch(() => {});
    }
    const waiting = this.#waiting;
    this.#waiting = null;
    this.#link.forget(this);
    callback(error);
    waiting?.(error ?? new TunnelError("RELAY_RESET", "tunnel destroyed"));
  }

  #publish(data: Buffer, callback: (error?: Error | null) => void): void {
    if (data.length === 0) {
      callback();
      return;
    }
    const kind = this.#opened ? Kind.DATA : Kind.OPEN;
    this.#opened = true;
    const size = data.length;
    this.#inflight += size;
    this.#link.send(this, kind, data).then(
      () => {
        this.#inflight -= size;
        const waiting = this.#waiting;
        if (waiting !== null && this.#inflight <= this.#maxBuffered) {
          this.#waiting = null;
          waiting();
        }
      },
      (err: unknown) => {
        this.destroy(
          new TunnelError(
            "RELAY_PUBLISH_FAILED",
            `could not publish relayed bytes: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
      },
    );
    if (this.#inflight <= this.#maxBuffered) callback();
    else this.#waiting = callback;
  }
}
