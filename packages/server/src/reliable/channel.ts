import { type Packet, PacketType, RELIABLE_EVENT } from "@parley/protocol";
import type { Adapter, RecoveryOptions } from "../adapter/adapter.js";
import { RELIABLE_NOTIFY_EVENT, type ReliableNotice } from "./notify.js";
import { type ReliableNamespace, reliableNamespace } from "./registry.js";
import { type ReliableEntry, ReliableError } from "./store.js";

/** Reads of a restored session's pending packets before giving up on this connection. */
const REDELIVER_TRIES = 4;
/** The wait before the first read again (doubled each time: 250, 500, 1000 ms). */
const REDELIVER_RETRY_MS = 250;

/** What a reliable channel needs from its socket (`Socket` provides it). */
export interface ReliableSocket {
  readonly id: string;
  readonly connected: boolean;
  readonly _pid: string | undefined;
  readonly nsp: {
    readonly name: string;
    readonly adapter: Adapter;
    readonly _recovery: RecoveryOptions | undefined;
    readonly sockets: ReadonlyMap<string, ReliablePeer>;
    _nextAckId(): number;
    reportListenerError(err: unknown, event: string): void;
  };
  /** Writes one packet to this socket's client (and tells `onAnyOutgoing` listeners). */
  _writeReliable(packet: Packet, data: unknown[]): void;
  /** Sends the client an offset (stored, through the adapter), without an app event. */
  _sendOffsetMarker(): void;
  _registerAck(id: number, ack: (...args: unknown[]) => void, gone?: () => void): void;
  reportListenerError(err: unknown, event: string): void;
}

/** Another socket object of the same session, as found in the namespace. */
interface ReliablePeer {
  readonly connected: boolean;
  readonly _reliable: ReliableChannel;
}

/**
 * At-least-once delivery to one socket (`socket.reliable.emit`). Each packet is stored
 * first (the promise resolves then), then written with an ack id; the client's ACK deletes
 * it. What is not acknowledged stays stored and is written again, in order, when the session
 * is restored (`redeliver`, on this server or any other that shares the store).
 *
 * Order: on one connection, packets are written by increasing message id (seq), and seqs
 * are handed out in call order (the stores guarantee it for adds from one process), so the
 * client sees this socket's reliable packets in the order they were emitted; what a
 * restored session gets first is what it had not acknowledged, in order, then the new ones.
 * A packet that completes storage out of that order (only possible from a second socket
 * object of the same session on another server, which announces it: `pull`) is not written
 * on this connection but kept for the next one.
 */
export class ReliableChannel {
  readonly #socket: ReliableSocket;
  /** The client deduplicates (it announced itself): packets go wrapped with their seq. */
  readonly #wrapped: boolean;
  /** The highest seq the client said it has seen: new seqs start above it. */
  readonly #floor: number;
  #ns: ReliableNamespace | undefined;
  /** Storage completions run in call order behind this. */
  #tail: Promise<unknown> = Promise.resolve();
  /** The highest seq written on this connection. */
  #sentUpTo = 0;
  /** Stored while the redelivery is being read: written right after it. */
  #held: ReliableEntry[] | undefined;
  /** Acknowledged seqs not yet deleted from the store (one delete per tick). */
  #acked: number[] = [];
  #ended = false;
  /** The client holds (or was sent) an offset on this session, so it can restore it. */
  #marked = false;
  /** The redelivery could not be read: nothing more is written on this connection. */
  #blocked = false;
  /** A `reliable-notify` came during a read of the set: read once more after it. */
  #pullAgain = false;
  /** A `reliable-notify` is due at the next tick. */
  #telling = false;

  constructor(socket: ReliableSocket, floor: number | undefined) {
    this.#socket = socket;
    this.#wrapped = floor !== undefined;
    this.#floor = floor ?? 0;
  }

  /** Stores `[event, ...args]`, then sends it; resolves once stored. */
  emit(data: unknown[]): Promise<void> {
    const socket = this.#socket;
    if (!socket.connected && !this.#ended) {
      // This socket object dropped and its session was restored here as another one: send
      // through that one, so one channel orders the session's packets.
      const live = socket.nsp.sockets.get(socket.id);
      if (live !== undefined && live !== (socket as object) && live.connected) {
        return live._reliable.emit(data);
      }
    }
    const ns = this.#namespace();
    const pid = socket._pid;
    if (ns === undefined || pid === undefined) {
      return Promise.reject(
        new ReliableError(
          "RELIABLE_NEEDS_RECOVERY",
          "reliable emits need connectionStateRecovery (a session to redeliver to)",
        ),
      );
    }
    if (this.#ended) {
      return Promise.reject(
        new ReliableError("RELIABLE_SESSION_ENDED", "this socket left for good"),
      );
    }
    const stored = ns.store.add(pid, data, this.#floor);
    // Observed now, so a rejection is never reported as unhandled while earlier ones wait.
    stored.catch(() => {});
    const sent = this.#tail
      .then(() => stored)
      .then((seq) => {
        if (socket.connected) this.#deliver({ seq, data });
        else this.#tellHolder(ns);
      });
    this.#tail = sent.catch(() => {});
    return sent;
  }

  /**
   * The session was restored onto this socket: write what it had not acknowledged, in
   * order, before anything emitted from now on.
   */
  redeliver(): void {
    const ns = this.#namespace();
    const pid = this.#socket._pid;
    if (ns === undefined || pid === undefined) return;
    this.#marked = true; // it recovered with one
    this.#held = [];
    this.#readPending(ns, pid, 1, true);
  }

  /**
   * Another server stored packets for this session (`reliable-notify`): read the set and
   * write, by increasing id, what this connection has not written. One read at a time; a
   * notice during a read makes one more read after it.
   */
  pull(): void {
    const ns = this.#namespace();
    const pid = this.#socket._pid;
    if (ns === undefined || pid === undefined || !this.#socket.connected || this.#blocked) return;
    if (this.#held !== undefined) {
      this.#pullAgain = true;
      return;
    }
    this.#held = [];
    this.#readPending(ns, pid, 1, false);
  }

  /**
   * Reads the session's unacknowledged packets and writes them, then what was held meanwhile.
   * A failed read is retried (REDELIVER_TRIES in all, backing off). Writing the held packets
   * without it would put the older unacknowledged ones after them (they would come at the
   * next restore), so until a read succeeds nothing is written on this connection; if none
   * does, nothing will be: everything stays stored for the session's next restore.
   */
  #readPending(ns: ReliableNamespace, pid: string, attempt: number, restore: boolean): void {
    const flush = (entries: readonly ReliableEntry[]) => {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const entry of entries) this.#deliver(entry);
      held.sort((a, b) => a.seq - b.seq);
      for (const entry of held) this.#deliver(entry);
      if (this.#pullAgain) {
        this.#pullAgain = false;
        this.pull();
      }
    };
    ns.store.pending(pid).then(flush, (err: unknown) => {
      this.#report(err, restore ? "reliable.redeliver" : "reliable.pull");
      // A failed pull breaks no order: what another server stored is not ordered against
      // this connection's packets, and it stays stored for the next restore.
      if (!restore) return flush([]);
      if (!this.#socket.connected) return; // the next restore reads again
      if (attempt >= REDELIVER_TRIES) {
        this.#blocked = true;
        this.#held = undefined;
        this.#pullAgain = false;
        return;
      }
      const delay = REDELIVER_RETRY_MS * 2 ** (attempt - 1);
      setTimeout(() => this.#readPending(ns, pid, attempt + 1, true), delay).unref();
    });
  }

  /**
   * Stored for this session while its client is not on this socket object: with a shared
   * store the live socket may be on another server, so tell them (once per tick).
   */
  #tellHolder(ns: ReliableNamespace): void {
    if (ns.store.shared !== true || this.#telling) return;
    this.#telling = true;
    setImmediate(() => {
      this.#telling = false;
      const { id, _pid: pid } = this.#socket;
      if (pid === undefined || this.#ended) return;
      const notice: ReliableNotice = { sid: id, pid };
      this.#socket.nsp.adapter.serverSideEmit([RELIABLE_NOTIFY_EVENT, notice]);
    });
  }

  /**
   * The socket left. `ended`: for good (no recovery possible), so its pending set is
   * deleted and later emits reject; otherwise the set waits for the session's restore.
   */
  closed(ended: boolean): void {
    if (!ended || this.#ended) return;
    this.#ended = true;
    const pid = this.#socket._pid;
    if (pid !== undefined) {
      this.#ns?.store.drop(pid).catch((err: unknown) => this.#report(err, "reliable.drop"));
    }
  }

  /**
   * Makes sure the client will be able to restore this session: it needs an offset, which
   * reliable packets do not carry. Sent once per session: at connect to clients that
   * announced reliable delivery, else before the first reliable packet.
   */
  markOffset(): void {
    if (this.#marked) return;
    this.#marked = true;
    this.#socket._sendOffsetMarker();
  }

  #deliver(entry: ReliableEntry): void {
    // Kept: redelivered when the session is restored.
    if (!this.#socket.connected || this.#blocked) return;
    if (this.#held !== undefined) {
      this.#held.push(entry);
      return;
    }
    if (entry.seq <= this.#sentUpTo) return; // written already, or out of order (see above)
    this.#sentUpTo = entry.seq;
    this.markOffset();
    const socket = this.#socket;
    const pid = socket._pid as string;
    const ns = this.#ns as ReliableNamespace;
    const id = socket.nsp._nextAckId();
    ns.keep(pid);
    socket._registerAck(
      id,
      () => {
        ns.release(pid);
        this.#onAck(entry.seq);
      },
      () => ns.release(pid),
    );
    const data = [...entry.data];
    const sent = this.#wrapped ? [RELIABLE_EVENT, entry.seq, ...data] : data;
    socket._writeReliable({ type: PacketType.EVENT, nsp: socket.nsp.name, id, data: sent }, data);
  }

  #onAck(seq: number): void {
    this.#acked.push(seq);
    // The ACKs of one read from the connection arrive in one tick: one delete for them all.
    if (this.#acked.length === 1) setImmediate(() => this.#flushAcks());
  }

  #flushAcks(): void {
    const seqs = this.#acked;
    this.#acked = [];
    const pid = this.#socket._pid;
    if (pid === undefined || seqs.length === 0) return;
    this.#ns?.store.ack(pid, seqs).catch((err: unknown) => this.#report(err, "reliable.ack"));
  }

  #namespace(): ReliableNamespace | undefined {
    if (this.#ns !== undefined) return this.#ns;
    const nsp = this.#socket.nsp;
    const recovery = nsp._recovery;
    if (recovery === undefined) return undefined;
    this.#ns = reliableNamespace(nsp.adapter, recovery, (err) =>
      nsp.reportListenerError(err, "reliable.refresh"),
    );
    return this.#ns;
  }

  #report(err: unknown, event: string): void {
    this.#socket.reportListenerError(err, event);
  }
}
