import { randomBytes } from "node:crypto";
import type { RawData } from "@parley/protocol";
import type {
  BroadcastOptions,
  PersistedSession,
  PrivateSessionId,
  RecoveryOptions,
  RestoredSession,
  Room,
} from "./adapter.js";

interface StoredPacket {
  readonly rooms: ReadonlySet<Room>;
  readonly except: ReadonlySet<Room> | undefined;
  readonly frames: readonly RawData[];
  readonly size: number;
  readonly at: number;
}

interface StoredSession {
  readonly session: PersistedSession;
  readonly at: number;
}

// Bookkeeping a stored packet costs beyond its frames (object, sets, array), counted against
// maxBytes so that a flood of tiny packets is bounded too.
const PACKET_OVERHEAD = 64;

/**
 * The in-memory adapter's memory for connection state recovery: the packets sent with an
 * offset, in offset order, and the sessions of sockets that dropped abruptly.
 *
 * Offsets are `<epoch>.<sequence in base 36>`: the epoch is random per store, so an offset
 * from another process (or an older adapter) never matches; sequence numbers are contiguous,
 * so finding the packets after an offset is an index computation, not a search.
 *
 * Bounded: packets are dropped oldest first past `maxPackets` or `maxBytes`, sessions past
 * `maxSessions`; both also expire after `maxDisconnectionDuration`, swept by one interval
 * that runs only while something is stored. A client whose offset is older than the oldest
 * packet kept cannot know what it missed, so it is not recovered.
 */
export class RecoveryStore {
  readonly #opts: RecoveryOptions;
  readonly #epoch = randomBytes(6).toString("base64url");
  /** Packets in sequence order; `#packets[#head]` has sequence number `#firstSeq`. */
  #packets: (StoredPacket | undefined)[] = [];
  #head = 0;
  #firstSeq = 0;
  /** The sequence number of the next packet. */
  #nextSeq = 0;
  #bytes = 0;
  readonly #sessions = new Map<PrivateSessionId, StoredSession>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: RecoveryOptions) {
    this.#opts = opts;
  }

  /** Packets currently kept (for tests and metrics). */
  get packetCount(): number {
    return this.#packets.length - this.#head;
  }

  /** Sessions currently kept (for tests and metrics). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The offset the next `push` will be stored under: append it to the packet, then push. */
  nextOffset(): string {
    return `${this.#epoch}.${this.#nextSeq.toString(36)}`;
  }

  /** Keeps one packet (its encoded frames, carrying `nextOffset()`) and whom it targeted. */
  push(frames: readonly RawData[], opts: BroadcastOptions): void {
    let size = PACKET_OVERHEAD;
    for (const frame of frames) size += typeof frame === "string" ? frame.length : frame.byteLength;
    this.#packets.push({
      rooms: opts.rooms,
      except: opts.except,
      frames,
      size,
      at: Date.now(),
    });
    this.#nextSeq++;
    this.#bytes += size;
    while (this.packetCount > this.#opts.maxPackets || this.#bytes > this.#opts.maxBytes) {
      this.#dropOldestPacket();
    }
    this.#startSweeping();
  }

  persist(session: PersistedSession): void {
    // Re-persisting a pid moves it to the end, keeping the map in disconnection order.
    this.#sessions.delete(session.pid);
    while (this.#sessions.size >= this.#opts.maxSessions && this.#sessions.size > 0) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done === true) break;
      this.#sessions.delete(oldest.value);
    }
    if (this.#opts.maxSessions === 0) return;
    this.#sessions.set(session.pid, { session, at: Date.now() });
    this.#startSweeping();
  }

  restore(pid: PrivateSessionId, offset: string): RestoredSession | null {
    const stored = this.#sessions.get(pid);
    if (stored === undefined) return null;
    // One attempt per session: whatever the outcome, the client now holds a new session.
    this.#sessions.delete(pid);
    if (Date.now() - stored.at > this.#opts.maxDisconnectionDuration) return null;
    const seq = this.#parse(offset);
    // Unknown offset, or packets after it were dropped: what was missed cannot be told.
    if (seq === undefined || seq + 1 < this.#firstSeq) return null;
    const { session } = stored;
    const rooms = session.rooms;
    const missedPackets: (readonly RawData[])[] = [];
    for (let i = this.#head + (seq + 1 - this.#firstSeq); i < this.#packets.length; i++) {
      const packet = this.#packets[i];
      if (packet !== undefined && targets(packet, rooms)) missedPackets.push(packet.frames);
    }
    return { sid: session.sid, pid: session.pid, rooms, data: session.data, missedPackets };
  }

  /** Forgets everything and stops the sweep. */
  clear(): void {
    this.#packets = [];
    this.#head = 0;
    this.#firstSeq = this.#nextSeq;
    this.#bytes = 0;
    this.#sessions.clear();
    this.#stopSweeping();
  }

  #parse(offset: string): number | undefined {
    const dot = offset.lastIndexOf(".");
    if (dot === -1 || offset.slice(0, dot) !== this.#epoch) return undefined;
    const digits = offset.slice(dot + 1);
    if (!/^[0-9a-z]{1,11}$/.test(digits)) return undefined;
    const seq = Number.parseInt(digits, 36);
    return Number.isSafeInteger(seq) && seq < this.#nextSeq ? seq : undefined;
  }

  #dropOldestPacket(): void {
    const packet = this.#packets[this.#head];
    if (packet === undefined) return;
    this.#packets[this.#head] = undefined;
    this.#head++;
    this.#firstSeq++;
    this.#bytes -= packet.size;
    // Compact now and then, so dropping from the front stays O(1) amortised.
    if (this.#head >= 1024 && this.#head * 2 >= this.#packets.length) {
      this.#packets = this.#packets.slice(this.#head);
      this.#head = 0;
    }
  }

  #sweep(): void {
    const threshold = Date.now() - this.#opts.maxDisconnectionDuration;
    for (const [pid, stored] of this.#sessions) {
      // Insertion order is disconnection order: the first one still fresh ends the walk.
      if (stored.at >= threshold) break;
      this.#sessions.delete(pid);
    }
    while (this.packetCount > 0 && (this.#packets[this.#head]?.at ?? 0) < threshold) {
      this.#dropOldestPacket();
    }
    if (this.packetCount === 0 && this.#sessions.size === 0) this.#stopSweeping();
  }

  #startSweeping(): void {
    if (this.#timer !== undefined) return;
    const period = Math.min(60_000, Math.max(1000, this.#opts.maxDisconnectionDuration));
    this.#timer = setInterval(() => this.#sweep(), period);
    this.#timer.unref();
  }

  #stopSweeping(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** Whether a packet sent with these rooms/except reached a socket in `rooms` (its own included). */
function targets(packet: StoredPacket, rooms: readonly Room[]): boolean {
  const except = packet.except;
  if (except !== undefined && except.size > 0) {
    for (const room of rooms) if (except.has(room)) return false;
  }
  if (packet.rooms.size === 0) return true;
  for (const room of rooms) if (packet.rooms.has(room)) return true;
  return false;
}
