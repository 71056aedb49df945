import type { RawData } from "@parley/protocol";
import type {
  PersistedSession,
  PrivateSessionId,
  RestoredSession,
  Room,
  SocketId,
} from "@parley/server";
import { FROM_SESSION_START, type NotRestored } from "@parley/server/adapter";
import { REFRESH_MS } from "./live-sessions.js";
import { HOME_LENGTH, homeOf, parseOffset, reaches, seqOf } from "./offsets.js";
import type { RedisDurableStore, Taken } from "./store.js";

/** A packet from the history: its targets, and its frames with its offset appended. */
export interface HistoryPacket {
  readonly rooms: readonly Room[];
  readonly except: readonly Room[];
  frames(offset: string): readonly RawData[];
}

/** What a restore needs from its adapter. */
export interface RestoreHost {
  readonly uid: string;
  readonly store: RedisDurableStore;
  readonly windowMs: number;
  readonly maxPackets: number;
  readonly restoreTimeout: number;
  isAlive(uid: string): boolean;
  /** Whether a socket of this server, still connected, has this pid (its drop not noticed yet). */
  hasConnected(pid: PrivateSessionId): boolean;
  /** Asks the owner (alive as far as heartbeats tell) about pid; true once it answered. */
  askOwner(uid: string, pid: PrivateSessionId, offset: string): Promise<boolean>;
  holdRooms(rooms: readonly Room[]): Promise<void> | void;
  decodeSession(body: Buffer): Omit<PersistedSession, "pid"> | undefined;
  decodePacket(message: Buffer): HistoryPacket | undefined;
  /** A session is restored here: its first live record here keeps where it began. */
  restored(pid: PrivateSessionId, start: string): void;
}

type Sink = (seq: number, frames: readonly RawData[]) => void;
interface Capture {
  readonly rooms: ReadonlySet<Room>;
  sink: Sink;
  timer?: ReturnType<typeof setTimeout>;
}

/** History read per XRANGE. */
const PAGE = 256;
/** How long a session's packets are captured, at most, while its socket is being admitted. */
const CAPTURE_MAX_MS = 45_000;

const UNKNOWN: NotRestored = { reason: "session_unknown" };
const EXPIRED: NotRestored = { reason: "session_expired" };
const EVICTED: NotRestored = { reason: "history_evicted" };
const FAILED: NotRestored = { reason: "handover_failed" };

/**
 * Restores a session from Redis, through any server, whether the server it was on is alive,
 * gone, or killed a moment ago.
 *
 * 1. Find it: a disconnected record (its server saw it drop), or the live record of a socket
 *    whose server never said it dropped. A live record is taken only when its owner is known
 *    dead, or does not answer within `restoreTimeout` (killed, not yet declared dead); an
 *    owner that answers still has the socket connected (a drop it has not noticed: the
 *    client gets a new session, as with Socket.IO), unless it persisted it meanwhile.
 * 2. Check the history: same epoch, and the packet after the client's offset still kept
 *    (sequence numbers have no gaps, so this is exact).
 * 3. Capture what this server delivers to the session's rooms from now on, make sure it hears
 *    them (room channels), then read the stream after the offset. Every packet appended
 *    before the read is in it; every packet published after the subscriptions were confirmed
 *    is captured; the overlap is cut by sequence number. The capture goes on until the
 *    socket joins its rooms.
 */
export class DurableRestore {
  readonly #host: RestoreHost;
  readonly #captures = new Map<SocketId, Capture>();
  readonly #open = new Set<Capture>();
  /**
   * Restored sockets, and the last sequence number their replay holds: the stream was read
   * on the publishing connection, which can be ahead of what this server has delivered from
   * the subscriber connection, so a packet the replay already has may still come the live
   * way. Deliveries here follow the stream's order, so the first one past the floor ends it.
   */
  readonly #floors = new Map<SocketId, number>();

  constructor(host: RestoreHost) {
    this.#host = host;
  }

  /** Captures still open (for tests and metrics). */
  get capturing(): number {
    return this.#open.size;
  }

  /** A stored packet was delivered here: whoever is being restored into its rooms gets it. */
  feed(rooms: readonly Room[], except: readonly Room[], seq: number, frames: readonly RawData[]) {
    for (const capture of this.#open) {
      if (reaches(rooms, except, capture.rooms)) capture.sink(seq, frames);
    }
  }

  /**
   * The restored sockets that must not get packet `seq` the live way (their replay has it);
   * undefined when there is none.
   */
  skipping(seq: number): Set<SocketId> | undefined {
    if (this.#floors.size === 0) return undefined;
    let skip: Set<SocketId> | undefined;
    for (const [sid, floor] of this.#floors) {
      if (seq > floor) this.#floors.delete(sid);
      else {
        skip ??= new Set();
        skip.add(sid);
      }
    }
    return skip;
  }

  /** The socket of a restored session joined its rooms: it receives directly from now on. */
  joined(sid: SocketId): void {
    const capture = this.#captures.get(sid);
    if (capture === undefined) return;
    this.#captures.delete(sid);
    this.#open.delete(capture);
    if (capture.timer !== undefined) clearTimeout(capture.timer);
  }

  close(): void {
    for (const sid of [...this.#captures.keys()]) this.joined(sid);
    this.#open.clear();
    this.#floors.clear();
  }

  /** Never rejects on a missing session or history; rejects only when Redis fails. */
  async restore(pid: PrivateSessionId, offset: string): Promise<RestoredSession | NotRestored> {
    const taken = await this.#find(pid, offset);
    if (taken === null) return UNKNOWN;
    if ("reason" in taken) return taken;
    const host = this.#host;
    const session = host.decodeSession(taken.record.subarray(HOME_LENGTH));
    if (session === undefined) return UNKNOWN;

    // A client with no offset got nothing since its session began: replay from there (a
    // record from a server that did not keep where it began cannot tell).
    const from = parseOffset(offset === FROM_SESSION_START ? (taken.start ?? "") : offset);
    if (from === undefined || from.epoch !== taken.epoch || from.seq > taken.top) return EVICTED;
    const oldest = taken.first === undefined ? taken.top + 1 : seqOf(taken.first);
    if (oldest > from.seq + 1) return EVICTED;

    const rooms = new Set([session.sid, ...session.rooms]);
    let captured: { seq: number; frames: readonly RawData[] }[] = [];
    const capture: Capture = {
      rooms,
      sink: (seq, frames) => captured.push({ seq, frames }),
    };
    this.#open.add(capture);
    const out: (readonly RawData[])[] = [];
    let last = from.seq;
    try {
      if (!(await this.#hear(session.rooms))) {
        this.#open.delete(capture);
        return FAILED;
      }
      let after = from.id;
      for (;;) {
        const entries = await host.store.read(after, PAGE);
        for (const entry of entries) {
          // Trimmed between the check above and this read: what was missed cannot be told.
          if (seqOf(entry.id) !== last + 1) {
            this.#open.delete(capture);
            return EVICTED;
          }
          last++;
          after = entry.id;
          const packet = host.decodePacket(entry.message);
          if (packet !== undefined && reaches(packet.rooms, packet.except, rooms)) {
            out.push(packet.frames(`${taken.epoch}:${entry.id}`));
          }
        }
        if (out.length > host.maxPackets) {
          this.#open.delete(capture);
          return EVICTED;
        }
        if (entries.length < PAGE) break;
      }
    } catch (err) {
      this.#open.delete(capture);
      throw err;
    }
    for (const c of captured) {
      if (c.seq > last) {
        out.push(c.frames);
        last = c.seq;
      }
    }
    captured = [];
    capture.sink = (seq, frames) => {
      if (seq <= last) return;
      out.push(frames);
      last = seq;
    };
    capture.timer = setTimeout(() => this.joined(session.sid), CAPTURE_MAX_MS);
    capture.timer.unref();
    this.#captures.set(session.sid, capture);
    this.#floors.set(session.sid, last);
    if (taken.start !== undefined) host.restored(pid, taken.start);
    return { ...session, pid, missedPackets: out };
  }

  /** Step 1: the session's record, taken out of Redis, or why not. */
  async #find(pid: PrivateSessionId, offset: string): Promise<Taken | NotRestored | null> {
    const host = this.#host;
    const home = homeOf(pid) ?? host.uid;
    let taken = await host.store.take(pid, home, "peek");
    if (taken === null || taken.state === "disc") return taken;
    const owner = taken.record.subarray(0, HOME_LENGTH).toString();
    if (owner === host.uid) {
      if (host.hasConnected(pid)) return null;
      taken = await host.store.take(pid, home, "take");
    } else if (host.isAlive(owner)) {
      const answered = await host.askOwner(owner, pid, offset);
      taken = await host.store.take(pid, home, answered ? "disc" : "take");
    } else {
      taken = await host.store.take(pid, home, "take");
    }
    if (taken === null || taken.state === "disc") return taken;
    // Its server died: within the window of its death (its last stamp, at most REFRESH_MS
    // before it)?
    const seen = taken.ownerSeen;
    if (seen === undefined || Date.now() - seen > host.windowMs + REFRESH_MS) return EXPIRED;
    return taken;
  }

  /** Subscribes whatever the rooms need to reach this server, within `restoreTimeout`. */
  async #hear(rooms: readonly Room[]): Promise<boolean> {
    const held = this.#host.holdRooms(rooms);
    if (held === undefined) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), this.#host.restoreTimeout);
    });
    const ok = await Promise.race([held.then(() => true), late]);
    clearTimeout(timer);
    return ok;
  }
}
