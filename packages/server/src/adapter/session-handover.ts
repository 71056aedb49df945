import type { RawData } from "@parley/protocol";
import type {
  NotRestored,
  PrivateSessionId,
  RecoveryFailureReason,
  RestoredSession,
  Room,
  SocketId,
} from "./adapter.js";
import type { ClusterMessageOf, ClusterResponse } from "./cluster-message.js";
import type { RequestHandlers } from "./cluster-requests.js";
import type { Capture, RecoveryStore } from "./recovery-store.js";

type Ask =
  | Omit<ClusterMessageOf<"restore-session">, "uid" | "nsp" | "requestId">
  | Omit<ClusterMessageOf<"restore-session-tail">, "uid" | "nsp" | "requestId">;

/** What a hand-over needs from its cluster adapter. */
export interface HandoverHost {
  readonly store: RecoveryStore;
  /** Bound on each step a reconnecting client's handshake waits for (`restoreTimeout`). */
  readonly restoreTimeout: number;
  /** `recovery.maxPackets` / `maxBytes`: the most a capture may hold. */
  readonly maxPackets: number;
  readonly maxBytes: number;
  /** The other servers alive now. */
  liveNodes(): Iterable<string>;
  /** Opens a request awaiting `servers` and publishes `body` with its id. */
  ask(servers: Iterable<string>, handlers: RequestHandlers, body: Ask): void;
  /** Subscribes (and keeps) whatever `rooms` need for broadcasts to reach this server. */
  holdRooms(rooms: readonly Room[]): Promise<void> | void;
  /** Something went wrong that nobody awaits (a capture overflowed): log it. */
  warn(message: string): void;
}

/** How long a session's packets are captured, at most, while its socket is being admitted. */
const CAPTURE_MAX_MS = 45_000;

interface Holder {
  readonly uid: string;
  readonly session: RestoredSession;
  readonly ids: string[];
  readonly from: string;
}

interface OpenCapture {
  readonly capture: Capture;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Connection state recovery through another server, without loss or duplicates.
 *
 * The session (and the packets it missed) stays with the server whose socket dropped: the
 * holder. A server the client comes back through asks everyone (`restore-session`); the
 * holder answers with the session and the packets it kept so far, and forgets the session.
 * Broadcasts do not stop meanwhile, and the new server cannot hear the session's rooms
 * before it subscribes to their channels, so the hand-over has a second step:
 *
 * 1. from the holder's answer on, this server captures every packet its own store keeps for
 *    the session's rooms (its own broadcasts at once, others' once it hears them);
 * 2. it subscribes to the rooms' channels (`holdRooms`), then asks the holder alone for what
 *    its store kept for those rooms since its answer (`restore-session-tail`); the holder
 *    still hears the rooms (it holds their channels for the recovery window);
 * 3. the missed packets are the answer, then the tail, then the capture, each packet once by
 *    its cluster-wide id (both servers may have kept the same broadcast); the capture goes on
 *    appending until the socket joins its rooms (`joined`), from which point it receives
 *    broadcasts directly.
 *
 * Every packet published before the tail request reached the holder before it (one Redis
 * delivers in publishing order) and is in the answer or the tail; every packet published
 * after this server's subscriptions were confirmed reaches this server and is captured.
 * The two overlap, never leave a gap, and the overlap is removed by id. Each broadcaster's
 * packets keep their order: the answer and tail are a prefix of what the holder heard, the
 * capture (minus that overlap) the rest.
 */
export class SessionHandover {
  readonly #host: HandoverHost;
  readonly #captures = new Map<SocketId, OpenCapture>();

  constructor(host: HandoverHost) {
    this.#host = host;
  }

  /** Captures still open (for tests and metrics). */
  get capturing(): number {
    return this.#captures.size;
  }

  /** Takes a session held by another server; never rejects. */
  async restore(pid: PrivateSessionId, offset: string): Promise<RestoredSession | NotRestored> {
    const holder = await this.#askHolder(pid, offset);
    if ("reason" in holder) return holder;
    const host = this.#host;
    const { session } = holder;
    const rooms = session.rooms.includes(session.sid)
      ? session.rooms
      : [session.sid, ...session.rooms];

    // Step 1: capture from now on, before anything can be missed.
    let captured: { id: string; frames: readonly RawData[]; size: number }[] | undefined = [];
    let sink: (id: string, frames: readonly RawData[], size: number) => void = (id, frames, size) =>
      captured?.push({ id, frames, size });
    const capture = host.store.capture(rooms, (id, frames, size) => sink(id, frames, size));

    // Step 2: hear the rooms, then ask for the tail.
    const tail = await this.#askTail(holder, rooms);
    if (tail === null) {
      capture.close();
      return { reason: "handover_failed" };
    }

    // Step 3: one list, each packet once.
    const seen = new Set(holder.ids);
    const out: (readonly RawData[])[] = [...session.missedPackets];
    let bytes = 0;
    let overflowed = false;
    const add = (id: string, frames: readonly RawData[], size: number) => {
      if (seen.has(id) || overflowed) return;
      seen.add(id);
      out.push(frames);
      bytes += size;
      if (out.length > host.maxPackets || bytes > host.maxBytes) {
        overflowed = true;
        this.joined(session.sid);
        host.warn(`session ${session.sid}: too much sent before its socket joined its rooms`);
      }
    };
    for (let i = 0; i < tail.ids.length; i++) add(tail.ids[i] as string, tail.packets[i] ?? [], 0);
    for (const c of captured) add(c.id, c.frames, c.size);
    captured = undefined;
    sink = add;
    const timer = setTimeout(() => this.joined(session.sid), CAPTURE_MAX_MS);
    timer.unref();
    this.#captures.set(session.sid, { capture, timer });
    return { ...session, missedPackets: out };
  }

  /** The socket of a handed-over session joined its rooms: it receives directly from now on. */
  joined(sid: SocketId): void {
    const open = this.#captures.get(sid);
    if (open === undefined) return;
    this.#captures.delete(sid);
    open.capture.close();
    clearTimeout(open.timer);
  }

  close(): void {
    for (const sid of [...this.#captures.keys()]) this.joined(sid);
  }

  /** Step 0: who holds the session? The first server that has it answers with it. */
  #askHolder(pid: PrivateSessionId, offset: string): Promise<Holder | NotRestored> {
    return new Promise((resolve) => {
      let reason: RecoveryFailureReason | undefined;
      let missing = false;
      this.#host.ask(
        this.#host.liveNodes(),
        {
          onResponse: (m: ClusterResponse) => {
            if (m.type !== "restore-session-response") return false;
            if (m.session !== null && m.ids !== undefined && m.from !== undefined) {
              resolve({ uid: m.uid, session: m.session, ids: m.ids, from: m.from });
            } else if (m.reason !== undefined) {
              reason = m.reason;
            }
            return true;
          },
          // Killed while asked: it may have been the holder.
          onGone: () => {
            missing = true;
          },
          onDone: (timedOut) => {
            // A later resolve is a no-op when the holder already answered.
            resolve({
              reason: reason ?? (timedOut || missing ? "holder_unreachable" : "session_unknown"),
            });
          },
        },
        { type: "restore-session", pid, offset },
      );
    });
  }

  /** Steps 2: subscribe to the rooms, then ask the holder for what it kept since. */
  async #askTail(
    holder: Holder,
    rooms: Room[],
  ): Promise<{ ids: string[]; packets: RawData[][] } | null> {
    const host = this.#host;
    const held = host.holdRooms(rooms);
    if (held !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<false>(
        (r) => (timer = setTimeout(() => r(false), host.restoreTimeout)),
      );
      const ok = await Promise.race([held.then(() => true), late]);
      clearTimeout(timer);
      if (!ok) return null;
    }
    return new Promise((resolve) => {
      host.ask(
        [holder.uid],
        {
          onResponse: (m) => {
            if (m.type !== "restore-session-tail-response") return false;
            resolve(m.tail);
            return true;
          },
          onDone: () => resolve(null),
        },
        { type: "restore-session-tail", holder: holder.uid, from: holder.from, rooms },
      );
    });
  }
}

type Respond = (body: DistributiveOmit<ClusterResponse, "uid" | "nsp">) => void;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The holder's side of step 0: answers a `restore-session` from this server's own store
 * only (a request is never passed on). `store` is undefined when this server keeps no
 * sessions in memory (recovery off, or sessions kept elsewhere): it answers null.
 */
export function answerRestore(
  store: RecoveryStore | undefined,
  message: ClusterMessageOf<"restore-session">,
  respond: Respond,
  holdRooms: (rooms: readonly Room[]) => Promise<void> | void,
): void {
  const { requestId, pid, offset } = message;
  const taken = store?.handOver(pid, offset) ?? null;
  if (taken === null || "reason" in taken) {
    const answer = { type: "restore-session-response", requestId, session: null } as const;
    respond(taken === null ? answer : { ...answer, reason: taken.reason });
    return;
  }
  const { session, ids, from } = taken;
  respond({ type: "restore-session-response", requestId, session, ids, from });
  // The requester will ask for what the rooms get until it hears them itself: keep hearing
  // them, even if the recovery window ends meanwhile.
  void holdRooms(session.rooms);
}

/** The holder's side of step 2: what its store kept for the rooms since its answer. */
export function answerTail(
  store: RecoveryStore | undefined,
  message: ClusterMessageOf<"restore-session-tail">,
  respond: Respond,
): void {
  const tail = store?.packetsFrom(message.from, message.rooms) ?? null;
  respond({
    type: "restore-session-tail-response",
    requestId: message.requestId,
    tail: tail === null ? null : { ids: tail.ids, packets: tail.frames as RawData[][] },
  });
}
