import { encodePacket, type Packet, PacketType, type RawData } from "@parley/protocol";
import type {
  AdapterNamespace,
  AdapterSocket,
  BroadcastOptions,
  ClusterMessage,
  PersistedSession,
  PrivateSessionId,
  RecoveryOptions,
  RestoredSession,
  Room,
  SocketId,
} from "@parley/server";
import type { NotRestored } from "@parley/server/adapter";
import { decode } from "../codec.js";
import { LiveSessions } from "./live-sessions.js";
import { newEpoch, newPid, parseOffset, seqOf } from "./offsets.js";
import { DurableOutbox } from "./outbox.js";
import { DurableRestore, type HistoryPacket } from "./restore.js";
import type { AppendSettings } from "./scripts.js";
import { type CommandClient, RedisDurableStore } from "./store.js";
import { storedToMessage } from "./stored-message.js";

/**
 * First byte of a stored packet as published: `\x02<offset>\x00<stored broadcast>`, or
 * `\x02<offset> <marker seq>\x00…` when its echo is the broadcaster's marker.
 */
export const DURABLE_PACKET = 0x02;
/** First byte of a marker on a server's own response channel: `\x03<seq> <offset>`. */
export const DURABLE_MARKER = 0x03;

/** What durable sessions need from their Redis adapter. */
export interface DurableHost {
  readonly uid: string;
  readonly nsp: AdapterNamespace;
  readonly recovery: RecoveryOptions;
  readonly restoreTimeout: number;
  readonly key: string;
  readonly client: CommandClient;
  /** This server's response channel, where its markers come back. */
  readonly markerChannel: string;
  /** The Pub/Sub in use, once this server hears its response channel. */
  ready(): Promise<"sharded" | "classic">;
  /** The channel a broadcast is published on ("" for one that stays on this server). */
  channelOf(opts: BroadcastOptions): string;
  /**
   * Whether this server hears `channel` for as long as it broadcasts (its namespace channel):
   * its own echo there then comes back in stream order and serves as its marker.
   */
  hearsAlways(channel: string): boolean;
  /** The `broadcast` cluster message for it, encoded as the adapter publishes. */
  encodeBroadcast(packet: Packet, opts: BroadcastOptions): string | Buffer;
  /**
   * Delivers to the local sockets targeted, with `offset` appended, except those in `skip`;
   * returns the frames sent.
   */
  deliverWithOffset(
    packet: Packet,
    opts: BroadcastOptions,
    offset: string,
    skip: ReadonlySet<SocketId> | undefined,
  ): readonly RawData[];
  /** The plain cluster broadcast (what the adapter does without durable sessions). */
  broadcastPlain(packet: Packet, opts: BroadcastOptions): void;
  isAlive(uid: string): boolean;
  askOwner(uid: string, pid: PrivateSessionId, offset: string): Promise<boolean>;
  holdRooms(rooms: readonly Room[]): Promise<void> | void;
  warn(message: string): void;
}

/**
 * Connection state recovery kept in Redis (`durableSessions: true`): sessions and the
 * packets they miss survive the server they were on, killed or not, and any server restores
 * them. See "Durable sessions" in the package README for the design and its costs.
 */
export class DurableSessions {
  readonly store: RedisDurableStore;
  readonly #host: DurableHost;
  /** The epoch this server gives a history that has none yet. */
  readonly #epoch = newEpoch();
  #settings: AppendSettings | undefined;
  readonly #outbox: DurableOutbox;
  readonly #live: LiveSessions;
  readonly #restore: DurableRestore;

  constructor(host: DurableHost) {
    this.#host = host;
    const { recovery } = host;
    this.store = new RedisDurableStore(host.client, {
      key: host.key,
      nsp: host.nsp.name,
      windowMs: recovery.maxDisconnectionDuration,
    });
    this.#outbox = new DurableOutbox({
      store: (packet, opts, seq) => this.#append(packet, opts, seq),
      deliverStored: (packet, opts, offset) => this.#deliver(packet, opts, offset),
      broadcastPlain: (packet, opts) => host.broadcastPlain(packet, opts),
      warn: (message) => host.warn(message),
    });
    this.#live = new LiveSessions(
      this.store,
      host.uid,
      recovery.maxDisconnectionDuration,
      this.#epoch,
      (m) => host.warn(m),
    );
    this.#restore = new DurableRestore({
      uid: host.uid,
      store: this.store,
      windowMs: recovery.maxDisconnectionDuration,
      maxPackets: recovery.maxPackets,
      restoreTimeout: host.restoreTimeout,
      isAlive: (uid) => host.isAlive(uid),
      hasConnected: (pid) => {
        for (const socket of host.nsp.sockets.values()) if (socket._pid === pid) return true;
        return false;
      },
      askOwner: (uid, pid, offset) => host.askOwner(uid, pid, offset),
      holdRooms: (rooms) => host.holdRooms(rooms),
      decodeSession,
      decodePacket: (message) => this.#decodePacket(message),
      restored: (pid, start) => this.#live.restored(pid, start),
    });
  }

  /** Broadcasts waiting for Redis (for tests and metrics). */
  get pending(): number {
    return this.#outbox.pending;
  }

  /** Sessions being restored whose socket has not joined its rooms yet. */
  get capturing(): number {
    return this.#restore.capturing;
  }

  start(): void {
    this.#live.start();
  }

  close(): void {
    this.#outbox.close();
    this.#live.close();
    this.#restore.close();
  }

  newSessionId(): PrivateSessionId {
    return newPid(this.#host.uid);
  }

  /** Every broadcast of this server goes through here, in call order. */
  broadcast(packet: Packet, opts: BroadcastOptions): void {
    this.#outbox.send(packet, opts, storable(packet, opts));
  }

  /**
   * A broadcast from another server: with an offset (a stored one), delivered here with it;
   * false for one without, which the adapter delivers as usual.
   */
  deliverRemote(packet: Packet, opts: BroadcastOptions, origin: string | undefined): boolean {
    if (origin === undefined || !storable(packet, opts) || parseOffset(origin) === undefined) {
      return false;
    }
    this.#deliver(packet, opts, origin);
    return true;
  }

  /**
   * Unwraps what the append script published: a marker (handled here: undefined) or a
   * stored packet, whose offset and cluster message are returned.
   */
  unframe(
    raw: Buffer,
  ): { offset: string; markerSeq: number | undefined; message: Buffer } | undefined {
    if (raw[0] === DURABLE_MARKER) {
      const text = raw.subarray(1).toString();
      const space = text.indexOf(" ");
      const seq = Number(text.slice(0, space));
      if (space > 0 && Number.isSafeInteger(seq)) this.#outbox.onMarker(seq, text.slice(space + 1));
      return undefined;
    }
    const end = raw.indexOf(0, 1);
    if (end === -1) return undefined;
    const head = raw.subarray(1, end).toString();
    const space = head.indexOf(" ");
    if (space === -1) return { offset: head, markerSeq: undefined, message: raw.subarray(end + 1) };
    const markerSeq = Number(head.slice(space + 1));
    return {
      offset: head.slice(0, space),
      markerSeq: Number.isSafeInteger(markerSeq) ? markerSeq : undefined,
      message: raw.subarray(end + 1),
    };
  }

  /**
   * One of this server's stored broadcasts came back on its subscriber: when it carries its
   * marker sequence (published on a channel this server always hears), it is the marker.
   */
  ownEcho(offset: string, markerSeq: number | undefined): void {
    if (markerSeq !== undefined) this.#outbox.onMarker(markerSeq, offset);
  }

  touched(socket: AdapterSocket | undefined): void {
    if (socket !== undefined) this.#live.touched(socket);
  }

  gone(socket: AdapterSocket | undefined): void {
    if (socket !== undefined) this.#live.gone(socket);
  }

  joined(sid: SocketId): void {
    this.#restore.joined(sid);
  }

  persist(session: PersistedSession): Promise<void> {
    return this.#live.persist(session);
  }

  restore(pid: PrivateSessionId, offset: string): Promise<RestoredSession | NotRestored> {
    return this.#restore.restore(pid, offset);
  }

  async #append(packet: Packet, opts: BroadcastOptions, seq: number): Promise<string> {
    const host = this.#host;
    const mode = await host.ready();
    let settings = this.#settings;
    if (settings === undefined) {
      settings = {
        publish: mode === "sharded" ? "SPUBLISH" : "PUBLISH",
        markerChannel: host.markerChannel,
        windowMs: host.recovery.maxDisconnectionDuration,
        maxEntries: host.recovery.maxPackets,
        epoch: this.#epoch,
      };
      this.#settings = settings;
    }
    const channel = host.channelOf(opts);
    return this.store.append(
      settings,
      channel,
      host.encodeBroadcast(packet, opts),
      seq,
      channel !== "" && host.hearsAlways(channel),
    );
  }

  #deliver(packet: Packet, opts: BroadcastOptions, offset: string): void {
    const seq = seqOf(offset.slice(offset.lastIndexOf(":") + 1));
    const frames = this.#host.deliverWithOffset(packet, opts, offset, this.#restore.skipping(seq));
    this.#restore.feed([...opts.rooms], [...(opts.except ?? [])], seq, frames);
  }

  #decodePacket(message: Buffer): HistoryPacket | undefined {
    const nsp = this.#host.nsp.name;
    let decoded: ClusterMessage | string;
    try {
      decoded = storedToMessage(decode(message), nsp);
    } catch {
      return undefined;
    }
    if (typeof decoded === "string" || decoded.type !== "broadcast") return undefined;
    const { packet, opts } = decoded;
    return {
      rooms: opts.rooms,
      except: opts.except,
      frames: (offset) =>
        encodePacket({ ...packet, nsp, data: [...(packet.data as unknown[]), offset] }),
    };
  }
}

/** Events without an ack that are not volatile: what gets an offset and is kept. */
function storable(packet: Packet, opts: BroadcastOptions): boolean {
  return (
    packet.type === PacketType.EVENT &&
    packet.id === undefined &&
    opts.flags?.volatile !== true &&
    Array.isArray(packet.data)
  );
}

function decodeSession(body: Buffer): Omit<PersistedSession, "pid"> | undefined {
  let value: unknown;
  try {
    value = decode(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { sid, rooms, data } = value as Record<string, unknown>;
  if (typeof sid !== "string" || !Array.isArray(rooms)) return undefined;
  if (!rooms.every((r): r is string => typeof r === "string")) return undefined;
  return { sid, rooms, data };
}
