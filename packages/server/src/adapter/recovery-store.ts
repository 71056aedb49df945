import { randomBytes } from "node:crypto";
import type { RawData } from "@parley/protocol";
import {
  type BroadcastOptions,
  FROM_SESSION_START,
  type NotRestored,
  type PersistedSession,
  type PrivateSessionId,
  type RecoveryOptions,
  type RestoredSession,
  type Room,
} from "./adapter.js";

interface StoredPacket {
  readonly rooms: ReadonlySet<Room>;
  readonly except: ReadonlySet<Room> | undefined;
  readonly frames: readonly RawData[];
  readonly size: number;
  readonly at: number;
  /** The packet's id on the server that broadcast it (undefined: this store's own offset). */
  readonly origin: string | undefined;
}

/**
 * A session taken out of the store for another server (connection state recovery through
 * another server): `ids[i]` is the cluster-wide id of `session.missedPackets[i]`, and `from`
 * the offset of the next packet this store will keep, where `packetsFrom` picks up.
 */
export interface HandedOverSession {
  readonly session: RestoredSession;
  readonly ids: string[];
  readonly from: string;
}

/** Packets picked for one session, in store order, each with its cluster-wide id. */
export interface PickedPackets {
  readonly ids: string[];
  readonly frames: (readonly RawData[])[];
}

/**
 * Packets stored for one session from the moment it is opened, while that session is being
 * handed over to this server and its socket has not yet joined its rooms (see `capture`).
 */
export interface Capture {
  /** Stops capturing; what was captured stays in `out`. */
  close(): void;
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
 * so finding the packets after an offset is an index computation, not a search. An offset
 * is also the packet's id across the cluster: a packet received from another server keeps
 * the id its origin gave it (`push`'s `origin`), so two servers' copies of one broadcast can
 * be told apart from two broadcasts when a session moves between them.
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
  /** When the newest packet dropped so far was stored: a session begun before it lost some. */
  #droppedAt = Number.NEGATIVE_INFINITY;
  readonly #sessions = new Map<PrivateSessionId, StoredSession>();
  readonly #captures = new Set<CaptureState>();
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

  /**
   * Keeps one packet (its encoded frames, carrying `nextOffset()`) and whom it targeted;
   * `origin` is its id on the server that broadcast it, when that is another server.
   */
  push(frames: readonly RawData[], opts: BroadcastOptions, origin?: string): void {
    let size = PACKET_OVERHEAD;
    for (const frame of frames) size += typeof frame === "string" ? frame.length : frame.byteLength;
    const packet: StoredPacket = {
      rooms: opts.rooms,
      except: opts.except,
      frames,
      size,
      at: Date.now(),
      origin,
    };
    if (this.#captures.size > 0) this.#feedCaptures(packet, this.nextOffset());
    this.#packets.push(packet);
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

  /**
   * Takes a session back with the packets it missed after `offset` (`FROM_SESSION_START`:
   * since the session began): a `NotRestored` when the session is known but cannot be
   * restored (it expired, or packets it missed were dropped: what it missed cannot be told),
   * null when it is unknown here. One attempt per session: whatever the outcome, the session
   * is forgotten.
   */
  restore(pid: PrivateSessionId, offset: string): RestoredSession | NotRestored | null {
    const taken = this.handOver(pid, offset);
    return taken === null || "reason" in taken ? taken : taken.session;
  }

  /** As `restore`, with what another server needs to complete the hand-over. */
  handOver(pid: PrivateSessionId, offset: string): HandedOverSession | NotRestored | null {
    const stored = this.#sessions.get(pid);
    if (stored === undefined) return null;
    this.#sessions.delete(pid);
    if (Date.now() - stored.at > this.#opts.maxDisconnectionDuration) {
      return { reason: "session_expired" };
    }
    const { session } = stored;
    const from =
      offset === FROM_SESSION_START ? this.#firstSince(session.since) : this.#after(offset);
    // Unknown offset, or packets it missed were dropped: what was missed cannot be told.
    if (from === undefined) return { reason: "history_evicted" };
    const picked = this.#pick(from, session.rooms);
    return {
      session: { ...session, missedPackets: picked.frames },
      ids: picked.ids,
      from: this.nextOffset(),
    };
  }

  /**
   * The packets kept from offset `from` on (as `handOver` returned it) that targeted `rooms`,
   * or null when some of them were already dropped.
   */
  packetsFrom(from: string, rooms: readonly Room[]): PickedPackets | null {
    const seq = this.#parse(from, true);
    if (seq === undefined || seq < this.#firstSeq) return null;
    return this.#pick(seq, rooms);
  }

  /**
   * Calls `onPacket` for every packet pushed from now on that targets `rooms`, with its
   * cluster-wide id and its size, until `close()`: what a session being handed over to this
   * server must get while its socket is not yet in its rooms.
   */
  capture(rooms: readonly Room[], onPacket: CaptureListener): Capture {
    const state: CaptureState = { rooms, onPacket };
    this.#captures.add(state);
    return { close: () => this.#captures.delete(state) };
  }

  #feedCaptures(packet: StoredPacket, offset: string): void {
    const id = packet.origin ?? offset;
    for (const state of [...this.#captures]) {
      if (targets(packet, state.rooms)) state.onPacket(id, packet.frames, packet.size);
    }
  }

  #pick(fromSeq: number, rooms: readonly Room[]): PickedPackets {
    const ids: string[] = [];
    const frames: (readonly RawData[])[] = [];
    for (let i = this.#head + (fromSeq - this.#firstSeq); i < this.#packets.length; i++) {
      const packet = this.#packets[i];
      if (packet === undefined || !targets(packet, rooms)) continue;
      ids.push(packet.origin ?? this.#offsetOf(i));
      frames.push(packet.frames);
    }
    return { ids, frames };
  }

  /** The offset of `#packets[index]`. */
  #offsetOf(index: number): string {
    return `${this.#epoch}.${(this.#firstSeq + index - this.#head).toString(36)}`;
  }

  /** Forgets everything and stops the sweep. */
  clear(): void {
    this.#packets = [];
    this.#head = 0;
    this.#firstSeq = this.#nextSeq;
    this.#bytes = 0;
    this.#droppedAt = Date.now();
    this.#sessions.clear();
    this.#captures.clear();
    this.#stopSweeping();
  }

  /** The sequence number after `offset`'s, if this store issued it and still keeps the next. */
  #after(offset: string): number | undefined {
    const seq = this.#parse(offset);
    return seq === undefined || seq + 1 < this.#firstSeq ? undefined : seq + 1;
  }

  /**
   * The sequence number of the first packet kept that was stored at or after `since` (the
   * next one's when none was), or undefined when one of those was dropped already. Stored
   * times follow sequence order, so the walk stops at the first older packet from the end.
   */
  #firstSince(since: number | undefined): number | undefined {
    if (since === undefined || this.#droppedAt >= since) return undefined;
    const packets = this.#packets;
    let index = packets.length;
    while (index > this.#head && (packets[index - 1]?.at ?? 0) >= since) index--;
    return this.#firstSeq + (index - this.#head);
  }

  /** The sequence number of `offset`, if this store issued it (`next`: or will issue it next). */
  #parse(offset: string, next = false): number | undefined {
    const dot = offset.lastIndexOf(".");
    if (dot === -1 || offset.slice(0, dot) !== this.#epoch) return undefined;
    const digits = offset.slice(dot + 1);
    if (!/^[0-9a-z]{1,11}$/.test(digits)) return undefined;
    const seq = Number.parseInt(digits, 36);
    const limit = next ? this.#nextSeq + 1 : this.#nextSeq;
    return Number.isSafeInteger(seq) && seq < limit ? seq : undefined;
  }

  #dropOldestPacket(): void {
    const packet = this.#packets[this.#head];
    if (packet === undefined) return;
    this.#packets[this.#head] = undefined;
    this.#head++;
    this.#firstSeq++;
    this.#bytes -= packet.size;
    if (packet.at > this.#droppedAt) this.#droppedAt = packet.at;
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

/** Receives a captured packet: its cluster-wide id, frames, and size in bytes. */
export type CaptureListener = (id: string, frames: readonly RawData[], size: number) => void;

interface CaptureState {
  readonly rooms: readonly Room[];
  readonly onPacket: CaptureListener;
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
