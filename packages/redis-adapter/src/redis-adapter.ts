import { randomBytes } from "node:crypto";
import type { Packet } from "@parley/protocol";
import type {
  AdapterNamespace,
  BroadcastOptions,
  ClusterMessage,
  PersistedSession,
  PrivateSessionId,
  RestoredSession,
  Room,
  SocketDetails,
  SocketId,
} from "@parley/server";
import type { NotRestored, ReliableStore } from "@parley/server/adapter";
import { ClusterAdapter } from "@parley/server/adapter";
import {
  broadcastChannel,
  hasRoomChannel,
  namespaceChannel,
  responseChannel,
  roomChannel,
  type SubscriptionMode,
} from "./channels.js";
import { decode, encode } from "./codec.js";
import {
  createDurable,
  DURABLE_MARKER,
  DURABLE_PACKET,
  type DurableSessions,
} from "./durable/index.js";
import type { CommandClient } from "./durable/store.js";
import { ownStoredPrefix, storedToMessage } from "./durable/stored-message.js";
import { createLogger, describeError, type Logger } from "./logger.js";
import { DEFAULT_KEY, type RedisAdapterOptions } from "./options.js";
import { OrderedPublisher } from "./publisher.js";
import {
  checkSubscriber,
  type RawListener,
  type RedisPublisher,
  type RedisSubscriber,
  subscribeOn,
  unsubscribeOn,
  watchErrors,
} from "./redis-client.js";
import { RedisReliableStore } from "./reliable/redis-reliable-store.js";
import { RoomHolds } from "./room-holds.js";
import {
  classicSentinel,
  fromSocketIoEmitter,
  looksLikeMsgpack,
  requestChannel,
  warnNotAccepted,
  withEmitterCompat,
} from "./socketio-emitter.js";
import { validateMessage } from "./validate.js";

/**
 * `io.adapter(createAdapter(pub, sub, opts))`: every namespace of the server gets a
 * `RedisAdapter` on the same two clients (`sub` must be a separate, connected client, e.g.
 * `pub.duplicate()`: a client in subscriber mode cannot publish).
 */
export function createAdapter(
  pubClient: RedisPublisher,
  subClient: RedisSubscriber,
  options: RedisAdapterOptions = {},
): (nsp: AdapterNamespace) => RedisAdapter {
  const opts = withEmitterCompat(options);
  const logger = createLogger(opts.debug);
  watchErrors(pubClient, logger, "publish");
  watchErrors(subClient, logger, "subscribe");
  checkSubscriber(subClient, opts.pubsub ?? "auto");
  const publisher = new OrderedPublisher(pubClient, opts.pubsub ?? "auto", logger);
  return (nsp) => new RedisAdapter(nsp, publisher, subClient, opts, logger);
}

/** First wait before a refused subscription is tried again; it doubles up to the max. */
const RESUBSCRIBE_FIRST_MS = 250;
const RESUBSCRIBE_MAX_MS = 5000;

/**
 * A cluster adapter on Redis Pub/Sub. One namespace channel carries heartbeats, requests and
 * broadcasts; each server has a response channel; with room channels on (the default), a
 * broadcast to a single room goes to that room's channel, to which only the servers with
 * local members of the room subscribe.
 *
 * Subscriptions are confirmed asynchronously, and with sharded Pub/Sub on Redis Cluster each
 * master is a separate connection, opened when a channel there is first subscribed (and
 * closed by node-redis when its last one goes), so a confirmation can come several round
 * trips after a message sent the same instant. Two rules keep requests and rooms exact:
 * - the response channel is confirmed before the namespace channel is subscribed: a server
 *   hears of no other server, so asks nothing, before it can hear the answers;
 * - `fetchSockets` (locally and in every answer) resolves only once the room channels
 *   pending when it collected its sockets are confirmed: a socket reported in a room can be
 *   reached there by a broadcast sent afterwards from any server.
 */
export class RedisAdapter extends ClusterAdapter {
  readonly #publisher: OrderedPublisher;
  readonly #sub: RedisSubscriber;
  readonly #logger: Logger;
  readonly #key: string;
  readonly #mode: SubscriptionMode;
  readonly #channel: string;
  readonly #responseChannel: string;
  /** socket.io's emitter's request channel, with `socketIoEmitter: true`. */
  readonly #requestChannel: string | undefined;
  /** On sharded Pub/Sub: hears classic PUBLISHes, to say they are not heard (`classicSentinel`). */
  #sentinel: RawListener | undefined;
  readonly #listener: RawListener = (message, channel) => this.#onRaw(message, channel);
  /** How our own messages start, as JSON text and inside a binary envelope's header. */
  readonly #ownText: Buffer;
  readonly #ownEnvelope: Buffer;
  /** The same for stored broadcasts (durable sessions' compact form, see stored-message.ts). */
  readonly #ownStored: Buffer;
  readonly #ownStoredEnvelope: Buffer;
  /** Room subscriptions not yet confirmed by Redis. */
  readonly #pendingRooms = new Map<Room, Promise<void>>();
  /** Subscribed to the namespace and response channels. */
  readonly #subscribed: Promise<void>;
  /** Room channels kept for sessions awaiting recovery (room channels and recovery on). */
  readonly #holds: RoomHolds | undefined;
  /** Sessions and history in Redis (`durableSessions`), instead of this process's memory. */
  readonly #durable: DurableSessions | undefined;
  #closed = false;

  constructor(
    nsp: AdapterNamespace,
    publisher: OrderedPublisher,
    subClient: RedisSubscriber,
    opts: RedisAdapterOptions = {},
    logger: Logger = createLogger(opts.debug),
  ) {
    const durable = opts.durableSessions === true && nsp._recovery !== undefined;
    super(nsp, opts, !durable);
    this.#publisher = publisher;
    this.#sub = subClient;
    this.#logger = logger;
    this.#key = opts.key ?? DEFAULT_KEY;
    this.#mode = opts.subscriptionMode ?? "dynamic";
    this.#channel = namespaceChannel(this.#key, nsp.name);
    this.#responseChannel = responseChannel(this.#key, nsp.name, this.uid);
    this.#requestChannel =
      opts.socketIoEmitter === true ? requestChannel(this.#key, nsp.name) : undefined;
    this.#ownText = Buffer.from(`{"uid":${JSON.stringify(this.uid)},`);
    this.#ownEnvelope = Buffer.from(`{"m":{"uid":${JSON.stringify(this.uid)},`);
    this.#ownStored = ownStoredPrefix(this.uid);
    this.#ownStoredEnvelope = Buffer.from(`{"m":${this.#ownStored.toString()}`);
    // In this order, each confirmed before the next: see the class comment.
    const shared = [this.#channel];
    if (this.#requestChannel !== undefined) shared.push(this.#requestChannel);
    this.#subscribed = this.#subscribe([this.#responseChannel]).then(() =>
      this.#closed ? undefined : this.#subscribe(shared),
    );
    void this.#publisher.ready
      .then((mode) => {
        if (mode !== "sharded" || this.#closed) return;
        this.#sentinel = classicSentinel(logger);
        return subscribeOn(subClient, "classic", this.#channel, this.#sentinel);
      })
      .catch((err: unknown) => this.#logger.debug(`no classic sentinel: ${describeError(err)}`));
    if (this.#mode !== "static") {
      this.on("create-room", (room) => this.#onCreateRoom(room));
      this.on("delete-room", (room) => this.#onDeleteRoom(room));
    }
    const recovery = nsp._recovery;
    if (this.#mode !== "static" && recovery !== undefined) {
      this.#holds = new RoomHolds(recovery.maxDisconnectionDuration, recovery.maxSessions, (room) =>
        this.#onHoldReleased(room),
      );
    }
    this.#durable = durable
      ? createDurable(this, {
          client: publisher.client,
          key: this.#key,
          restoreTimeout: opts.restoreTimeout,
          ready: () => this.#subscribed.then(() => publisher.ready),
          channelOf: (o) =>
            o.flags?.local === true
              ? ""
              : broadcastChannel(this.#key, nsp.name, this.#mode, { rooms: [...o.rooms] }),
          markerChannel: this.#responseChannel,
          hearsAlways: (channel) => channel === this.#channel,
          broadcastPlain: (packet, o) => super.broadcast(packet, o),
          deliverWithOffset: (packet, o, offset, skip) => {
            const sent: Packet = { ...packet, data: [...(packet.data as unknown[]), offset] };
            const message = this.prepare(sent, o);
            this.apply(o, (socket) => {
              if (skip?.has(socket.id) !== true) socket._deliver(message, sent);
            });
            return message.frames;
          },
          isAlive: (uid) => this.isAlive(uid),
          askOwner: (uid, pid, offset) => this.askHolder(uid, pid, offset),
          holdRooms: (rooms) => this.holdRooms(rooms),
          warn: (message) => this.#logger.warn("durable", `${nsp.name}: ${message}`),
        })
      : undefined;
  }

  /** Durable sessions in flight (for tests and metrics): broadcasts awaiting Redis, restores. */
  durableState(): { pending: number; capturing: number } {
    const d = this.#durable;
    return { pending: d?.pending ?? 0, capturing: d?.capturing ?? 0 };
  }

  newSessionId(): PrivateSessionId {
    return this.#durable?.newSessionId() ?? randomBytes(15).toString("base64url");
  }

  /**
   * With durable sessions, reliable packets (`socket.reliable.emit`) wait in Redis beside the
   * sessions they belong to, so any server that restores a session redelivers them; without,
   * undefined (the namespace keeps them in memory, as the sessions are).
   */
  reliableStore(): ReliableStore | undefined {
    const recovery = this.nsp._recovery;
    if (this.#durable === undefined || recovery === undefined) return undefined;
    return new RedisReliableStore(this.#publisher.client as unknown as CommandClient, {
      key: this.#key,
      nsp: this.nsp.name,
      windowMs: recovery.maxDisconnectionDuration,
      maxPerSession: recovery.maxReliablePerSocket ?? 1000,
    });
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (this.#durable !== undefined) this.#durable.broadcast(packet, opts);
    else super.broadcast(packet, opts);
  }

  protected override deliver(packet: Packet, opts: BroadcastOptions, origin?: string): void {
    if (this.#durable?.deliverRemote(packet, opts, origin) !== true) {
      super.deliver(packet, opts, origin);
    }
  }

  override restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | NotRestored | null> | RestoredSession | NotRestored | null {
    if (this.#durable === undefined) return super.restoreSession(pid, offset);
    return this.#durable.restore(pid, offset);
  }

  override del(id: SocketId, room: Room): Promise<void> | void {
    const left = super.del(id, room);
    this.#durable?.touched(this.nsp.sockets.get(id));
    return left;
  }

  override delAll(id: SocketId): void {
    this.#durable?.gone(this.nsp.sockets.get(id));
    super.delAll(id);
  }

  /** Keeps the session, and its rooms' channels until the recovery window has passed. */
  override persistSession(session: PersistedSession): Promise<void> | void {
    if (this.#durable !== undefined) return this.#durable.persist(session);
    const kept = super.persistSession(session);
    if (this.#holds !== undefined && !this.#closed) {
      this.#holds.hold(session.rooms.filter((room) => hasRoomChannel(this.#mode, room)));
    }
    return kept;
  }

  /** Sends the first heartbeat once we can hear the answers. */
  override async init(): Promise<void> {
    await this.#subscribed;
    if (this.#closed) return;
    super.init();
    this.#durable?.start();
  }

  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#durable?.close();
    super.close();
    const channels = [this.#channel, this.#responseChannel];
    if (this.#requestChannel !== undefined) channels.push(this.#requestChannel);
    const rooms = new Set([...this.rooms.keys(), ...(this.#holds?.rooms() ?? [])]);
    this.#holds?.clear();
    for (const room of rooms) {
      if (hasRoomChannel(this.#mode, room)) channels.push(this.#roomChannel(room));
    }
    // The adapter-close goes out in a microtask; by the time Redis confirmed the
    // unsubscriptions it is in flight, and flush() waits for it too.
    const sentinel = this.#sentinel;
    const unsubscribed = channels.map((c) => this.#unsubscribe(c));
    if (sentinel !== undefined) {
      unsubscribed.push(
        unsubscribeOn(this.#sub, "classic", this.#channel, sentinel).then(() => undefined),
      );
    }
    const done = Promise.allSettled(unsubscribed).then(() => this.#publisher.flush());
    // With Redis unreachable both would wait for its return: do not hold up the server's
    // shutdown for that.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
  }

  /** Resolves once the room channels this join needed are subscribed. Never rejects. */
  override addAll(id: SocketId, rooms: ReadonlySet<Room>): Promise<void> | void {
    super.addAll(id, rooms);
    if (this.#durable !== undefined) {
      this.#durable.joined(id);
      this.#durable.touched(this.nsp.sockets.get(id));
    }
    if (this.#pendingRooms.size === 0) return;
    const waits: Promise<void>[] = [];
    for (const room of rooms) {
      const pending = this.#pendingRooms.get(room);
      if (pending !== undefined) waits.push(pending);
    }
    if (waits.length > 0) return Promise.all(waits).then(() => {});
  }

  /**
   * As the cluster adapter's, and resolves only once the room channels of this server's
   * sockets are subscribed (those pending now; a remote server's answer waits for its own).
   */
  override async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    // Taken before the local sockets are collected (synchronously, inside the call).
    const rooms = this.#roomsSubscribed();
    const found = await super.fetchSockets(opts);
    if (rooms !== undefined) await rooms;
    return found;
  }

  /** Which Pub/Sub is in use, once known ("sharded" or "classic"). */
  get pubsub(): "sharded" | "classic" | undefined {
    return this.#publisher.mode;
  }

  protected override async doPublish(message: ClusterMessage): Promise<void> {
    const channel =
      message.type === "broadcast"
        ? broadcastChannel(this.#key, this.nsp.name, this.#mode, {
            rooms: message.opts.rooms,
            requestId: message.requestId,
          })
        : this.#channel;
    await this.#publisher.send(channel, encode(uidFirst(message)));
  }

  protected override async doPublishResponse(
    requesterUid: string,
    message: ClusterMessage,
  ): Promise<void> {
    const channel = responseChannel(this.#key, this.nsp.name, requesterUid);
    // The sockets reported were collected just now: their rooms' channels must be live
    // before the requester learns of them (see the class comment).
    // (No await when nothing is pending, so the answer leaves in call order.)
    const rooms = message.type === "fetch-sockets-response" ? this.#roomsSubscribed() : undefined;
    if (rooms !== undefined) await rooms;
    await this.#publisher.send(channel, encode(uidFirst(message)));
  }

  protected override onPublishError(err: unknown): void {
    this.#logger.warn("publish", `could not publish on ${this.#channel}: ${describeError(err)}`);
  }

  protected override onNodeUp(uid: string): void {
    this.#logger.debug(`${this.nsp.name}: server ${uid} joined`);
  }

  protected override onNodeDown(uid: string, reason: string): void {
    this.#logger.debug(`${this.nsp.name}: server ${uid} left (${reason})`);
  }

  /** Settles once the room subscriptions pending now are confirmed (or failed, logged). */
  #roomsSubscribed(): Promise<void> | undefined {
    if (this.#pendingRooms.size === 0) return undefined;
    return Promise.all(this.#pendingRooms.values()).then(() => {});
  }

  #roomChannel(room: Room): string {
    return roomChannel(this.#key, this.nsp.name, room);
  }

  #onCreateRoom(room: Room): void {
    // A held room's channel is still subscribed: a second subscription would deliver twice.
    if (this.#closed || !hasRoomChannel(this.#mode, room) || this.#holds?.has(room)) return;
    this.#subscribeRoom(room);
  }

  #subscribeRoom(room: Room): void {
    const pending = this.#subscribe(
      [this.#roomChannel(room)],
      () => this.rooms.has(room) || this.#holds?.has(room) === true,
    );
    this.#pendingRooms.set(room, pending);
    void pending.then(() => {
      if (this.#pendingRooms.get(room) === pending) this.#pendingRooms.delete(room);
    });
  }

  /**
   * A session is being handed over to this server, or from it: its rooms' channels are held
   * (subscribed now if no local member or hold had them) for the recovery window, so both
   * servers hear the rooms throughout the hand-over. Settles once they are subscribed.
   */
  protected override holdRooms(rooms: readonly Room[]): Promise<void> | void {
    const holds = this.#holds;
    if (holds === undefined || this.#closed) return;
    const channelled = rooms.filter((room) => hasRoomChannel(this.#mode, room));
    const fresh = channelled.filter((room) => !this.rooms.has(room) && !holds.has(room));
    holds.hold(channelled);
    for (const room of fresh) this.#subscribeRoom(room);
    const waits: Promise<void>[] = [];
    for (const room of channelled) {
      const pending = this.#pendingRooms.get(room);
      if (pending !== undefined) waits.push(pending);
    }
    if (waits.length > 0) return Promise.all(waits).then(() => {});
  }

  #onDeleteRoom(room: Room): void {
    if (this.#closed || !hasRoomChannel(this.#mode, room) || this.#holds?.has(room)) return;
    this.#dropRoomChannel(room);
  }

  /** No session waits for `room` any more: its channel goes unless local members remain. */
  #onHoldReleased(room: Room): void {
    if (this.#closed || this.rooms.has(room)) return;
    this.#dropRoomChannel(room);
  }

  #dropRoomChannel(room: Room): void {
    this.#pendingRooms.delete(room);
    void this.#unsubscribe(this.#roomChannel(room));
  }

  /**
   * Subscribes in call order (after the Pub/Sub mode is known). Never rejects: a refused
   * subscription is logged and tried again in the background (`#subscribeAgain`) for as long
   * as `wanted()` holds and the adapter is open.
   */
  #subscribe(channels: string[], wanted: () => boolean = () => true): Promise<void> {
    return this.#subscribeNow(channels).then(
      () => this.#logger.debug(`subscribed to ${channels.join(", ")}`),
      (err: unknown) => {
        this.#logger.warn(
          "subscribe",
          `could not subscribe to ${channels.join(", ")} (trying again): ${describeError(err)}`,
        );
        this.#subscribeAgain(channels, wanted, 0);
      },
    );
  }

  #subscribeNow(channels: string[]): Promise<unknown> {
    return this.#publisher.ready.then((mode) =>
      Promise.all(channels.map((c) => subscribeOn(this.#sub, mode, c, this.#listener))),
    );
  }

  /**
   * A subscription Redis or the client refused is not given up: the room would stay silent
   * on this server for as long as it has members. node-redis queues commands while it
   * reconnects, so a refusal is rare: the one seen is a cluster client that drops a killed
   * master's connection with the (S)SUBSCRIBEs sent to it while the shard had no master
   * (test/redis-cluster-kill.test.ts: the room joined then never heard a broadcast again).
   * Tried again after 250 ms, doubling up to 5 s; a channel already subscribed (one of
   * several that were asked together) costs node-redis nothing.
   */
  #subscribeAgain(channels: string[], wanted: () => boolean, attempt: number): void {
    const ms = Math.min(RESUBSCRIBE_MAX_MS, RESUBSCRIBE_FIRST_MS * 2 ** attempt);
    const timer = setTimeout(() => {
      if (this.#closed || !wanted()) return;
      this.#subscribeNow(channels).then(
        () => this.#logger.debug(`subscribed to ${channels.join(", ")} (try ${attempt + 2})`),
        (err: unknown) => {
          this.#logger.debug(
            `could not subscribe to ${channels.join(", ")} (try ${attempt + 2}): ${describeError(err)}`,
          );
          this.#subscribeAgain(channels, wanted, attempt + 1);
        },
      );
    }, ms);
    // An adapter left open must not keep the process alive for this.
    timer.unref();
  }

  #unsubscribe(channel: string): Promise<void> {
    return this.#publisher.ready
      .then((mode) => unsubscribeOn(this.#sub, mode, channel, this.#listener))
      .then(
        () => {},
        (err: unknown) =>
          this.#logger.warn(
            "subscribe",
            `could not unsubscribe from ${channel}: ${describeError(err)}`,
          ),
      );
  }

  /** Whether `raw` is one of our own messages, which Redis echoes back to us. */
  #isOwn(raw: Buffer, stored = false): boolean {
    if (raw[0] === 0x7b || raw[0] === 0x5b) {
      const text = raw[0] === 0x7b ? this.#ownText : this.#ownStored;
      return raw.length >= text.length && raw.compare(text, 0, text.length, 0, text.length) === 0;
    }
    const env = stored ? this.#ownStoredEnvelope : this.#ownEnvelope;
    if (raw.length >= 5 + env.length && raw.compare(env, 0, env.length, 5, 5 + env.length) === 0) {
      return true;
    }
    // A stored broadcast written before the compact form (a full cluster message).
    return stored && this.#isOwn(raw, false);
  }

  #onRaw(raw: Buffer, channel: Buffer): void {
    if (this.#durable !== undefined && (raw[0] === DURABLE_PACKET || raw[0] === DURABLE_MARKER)) {
      const framed = this.#durable.unframe(raw);
      if (framed === undefined) return;
      if (this.#isOwn(framed.message, true)) {
        this.#durable.ownEcho(framed.offset, framed.markerSeq);
        return;
      }
      let decoded: unknown;
      try {
        decoded = decode(framed.message);
      } catch (err) {
        this.#ignore(channel, describeError(err));
        return;
      }
      this.#apply(storedToMessage(decoded, this.nsp.name), channel, framed.offset);
      return;
    }
    if (
      looksLikeMsgpack(raw) ||
      (this.#requestChannel !== undefined && channel.toString() === this.#requestChannel)
    ) {
      this.#onSocketIoEmitter(raw, channel);
      return;
    }
    // Our own broadcasts come back on every channel we publish to and subscribe to: drop
    // them before paying for JSON.parse.
    if (this.#isOwn(raw)) return;
    let decoded: unknown;
    try {
      decoded = decode(raw);
    } catch (err) {
      this.#ignore(channel, describeError(err));
      return;
    }
    this.#apply(validateMessage(decoded), channel);
  }

  /** socket.io's emitter (see socketio-emitter.ts): accepted with `socketIoEmitter: true`. */
  #onSocketIoEmitter(raw: Buffer, channel: Buffer): void {
    if (this.#requestChannel === undefined) {
      warnNotAccepted(this.#logger, channel);
      return;
    }
    const isRequest = channel.toString() === this.#requestChannel;
    this.#apply(fromSocketIoEmitter(raw, isRequest, this.nsp.name), channel);
  }

  /** `offset`: a durable broadcast's place in its namespace's history (durable sessions). */
  #apply(message: ClusterMessage | string, channel: Buffer, offset?: string): void {
    if (typeof message === "string") {
      this.#ignore(channel, message);
      return;
    }
    if (offset !== undefined && message.type === "broadcast") message.id = offset;
    try {
      this.onMessage(message);
    } catch (err) {
      this.#logger.warn(
        "apply",
        `a ${message.type} message from ${message.uid} failed: ${describeError(err)}`,
      );
    }
  }

  #ignore(channel: Buffer, reason: string): void {
    this.#logger.warn(
      "malformed",
      `ignored a malformed message on channel "${channel.toString()}": ${reason}`,
    );
  }
}

/** The same message with `uid` as its first key, so a receiver can recognize its own cheaply. */
function uidFirst(message: ClusterMessage): ClusterMessage {
  const { uid, ...rest } = message;
  return { uid, ...rest } as ClusterMessage;
}
