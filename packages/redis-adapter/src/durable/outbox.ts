import type { Packet } from "@parley/protocol";
import type { BroadcastOptions } from "@parley/server";

/** What the outbox needs from its adapter. */
export interface OutboxHost {
  /**
   * Appends the packet to the history and publishes it (one script): resolves with its
   * offset, rejects when Redis could not store it. `seq` comes back in its marker.
   */
  store(packet: Packet, opts: BroadcastOptions, seq: number): Promise<string>;
  /** Delivers a stored packet to the local sockets it targets, with its offset. */
  deliverStored(packet: Packet, opts: BroadcastOptions, offset: string): void;
  /** The plain cluster broadcast (publish, then local delivery without an offset). */
  broadcastPlain(packet: Packet, opts: BroadcastOptions): void;
  warn(message: string): void;
}

interface Pending {
  readonly seq: number;
  readonly packet: Packet;
  readonly opts: BroadcastOptions;
  readonly durable: boolean;
  offset: string | undefined;
  /** When Redis's reply came (performance.now()), or 0. */
  repliedAt: number;
  failed: boolean;
}

/** A marker lost (the subscriber was reconnecting): deliver on the reply after this long. */
const MARKER_GRACE_MS = 1000;

/**
 * This server's broadcasts, in call order, each delivered to its local sockets at the place
 * the history gives it.
 *
 * A stored packet gets its offset from Redis, so it cannot reach local sockets before Redis
 * answered. And the reply comes on the publishing connection while other servers' packets
 * come on the subscriber connection: delivering on the reply could hand a local socket
 * packet 8 before packet 7 (another server's, already pushed to our subscriber but not yet
 * read), and a client that then drops recovers from 8 and never gets 7. So the script also
 * publishes a small marker on this server's own response channel, and a stored packet is
 * delivered when its marker arrives on the subscriber connection: after every packet the
 * stream holds before it. Packets without an offset (volatile, with acks) wait their turn
 * behind stored ones, so one broadcaster's packets keep their order.
 */
export class DurableOutbox {
  readonly #host: OutboxHost;
  #queue: Pending[] = [];
  #seq = 0;
  /** Markers seen up to this sequence: everything at or before it ran in Redis. */
  #markedUpTo = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(host: OutboxHost) {
    this.#host = host;
  }

  /** Packets waiting for Redis (for tests and metrics). */
  get pending(): number {
    return this.#queue.length;
  }

  send(packet: Packet, opts: BroadcastOptions, durable: boolean): void {
    if (!durable && this.#queue.length === 0) {
      this.#host.broadcastPlain(packet, opts);
      return;
    }
    const entry: Pending = {
      seq: ++this.#seq,
      packet,
      opts,
      durable,
      offset: undefined,
      repliedAt: 0,
      failed: false,
    };
    this.#queue.push(entry);
    if (!durable) return;
    this.#host.store(packet, opts, entry.seq).then(
      (offset) => {
        entry.offset = offset;
        entry.repliedAt = performance.now();
        this.#drain();
      },
      (err: unknown) => {
        entry.failed = true;
        this.#host.warn(
          `a broadcast could not be stored (delivered without an offset): ${String(err)}`,
        );
        this.#drain();
      },
    );
  }

  /** A marker came back: `seq` and everything before it ran in Redis. */
  onMarker(seq: number, offset: string): void {
    if (seq > this.#markedUpTo) this.#markedUpTo = seq;
    for (const entry of this.#queue) {
      if (entry.seq === seq) {
        entry.offset = offset;
        break;
      }
    }
    this.#drain();
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drain(): void {
    while (!this.#closed) {
      const head = this.#queue[0];
      if (head === undefined) break;
      if (!head.durable || head.failed) {
        this.#queue.shift();
        this.#host.broadcastPlain(head.packet, head.opts);
        continue;
      }
      if (head.offset === undefined || head.seq > this.#markedUpTo) break;
      this.#queue.shift();
      this.#host.deliverStored(head.packet, head.opts, head.offset);
    }
    const head = this.#queue[0];
    if (head !== undefined && head.repliedAt > 0) this.#arm(head.repliedAt);
  }

  /** One timer for the head of the line: its reply came, its marker did not (yet). */
  #arm(repliedAt: number): void {
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, repliedAt + MARKER_GRACE_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const head = this.#queue[0];
      const late = head !== undefined && performance.now() - head.repliedAt >= MARKER_GRACE_MS;
      if (head !== undefined && head.repliedAt > 0 && late && head.seq > this.#markedUpTo) {
        this.#host.warn("a broadcast's marker did not come back: delivered on Redis's reply");
        this.#markedUpTo = head.seq;
      }
      this.#drain();
    }, wait);
    this.#timer.unref();
  }
}
