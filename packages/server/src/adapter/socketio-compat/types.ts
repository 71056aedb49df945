/**
 * socket.io-adapter 2.5's view of the world, written as narrow structural types: what its
 * `Adapter` / `ClusterAdapter` / `ClusterAdapterWithHeartbeat` classes (and the adapters built
 * on them: `@socket.io/redis-adapter`, `redis-streams-adapter`, `postgres-adapter`,
 * `mongo-adapter`, `cluster-adapter`) call on the namespace and its sockets, and what Parley
 * calls on them. Nothing here is imported from socket.io-adapter: Parley does not depend on it.
 */
import type { Packet, RawData } from "@parley/protocol";

type Room = string;
type SocketId = string;

/** socket.io-adapter's `BroadcastFlags`; Parley's flags are a subset (plus its own). */
export interface SioBroadcastFlags {
  volatile?: boolean;
  compress?: boolean;
  local?: boolean;
  timeout?: number;
  expectSingleResponse?: boolean;
}

/**
 * socket.io-adapter's `BroadcastOptions`. Its cluster adapters read `except` and `flags`
 * without a check (`[...opts.except]`, `opts.flags.timeout`), so the host always sets both.
 */
export interface SioBroadcastOptions {
  rooms: Set<Room>;
  except: Set<Room>;
  flags: SioBroadcastFlags;
}

/** The session socket.io persists (`socket.ts`'s `persistSession` call): Parley's shape too. */
export interface SioSessionToPersist {
  sid: SocketId;
  pid: string;
  rooms: Room[];
  data: unknown;
}

/** A restored session: `missedPackets` are EVENT packets' `data` arrays, not encoded frames. */
export interface SioSession extends SioSessionToPersist {
  missedPackets: unknown[][];
}

/** `nsp.server.encoder`: socket.io-parser's `Encoder#encode`, synchronous since v4. */
export interface SioEncoder {
  encode(packet: Packet): RawData[];
}

/** Per-write options the adapter passes to `socket.client.writeToEngine`. */
export interface SioWriteOptions {
  volatile?: boolean | undefined;
  compress?: boolean | undefined;
}

/** What socket.io-adapter calls on a socket of `nsp.sockets`. */
export interface SioSocket {
  readonly id: SocketId;
  readonly rooms: Set<Room>;
  readonly data: unknown;
  readonly handshake: object;
  readonly client: { writeToEngine(encodedPackets: RawData[], opts: SioWriteOptions): void };
  /** `broadcastWithAck` registers its callback under the packet's id. */
  readonly acks: { set(id: number, ack: (...args: unknown[]) => void): unknown };
  notifyOutgoingListeners(packet: Packet): void;
  join(rooms: Room | Room[]): unknown;
  leave(room: Room): unknown;
  disconnect(close?: boolean): unknown;
}

/** What socket.io-adapter (and the adapters on it) read from their `nsp`. */
export interface SioNamespace {
  readonly name: string;
  readonly server: {
    readonly encoder: SioEncoder;
    /** Only `connectionStateRecovery` is read (truthiness, `maxDisconnectionDuration`). */
    readonly opts: {
      readonly connectionStateRecovery?:
        | { readonly maxDisconnectionDuration: number; readonly skipMiddlewares: boolean }
        | undefined;
    };
  };
  readonly sockets: ReadonlyMap<SocketId, SioSocket>;
  /** @internal `broadcastWithAck` does `packet.id = nsp._ids++`. */
  _ids: number;
  /** @internal A `serverSideEmit` from another server (a trailing function is its ack). */
  _onServerSideEmit(args: unknown[]): void;
}

/**
 * An adapter built on socket.io-adapter 2.5, as Parley drives it. Method parameters are
 * checked bivariantly, so the published classes (whose `.d.ts` say `any`) are assignable.
 */
export interface SocketIoAdapter {
  readonly nsp: unknown;
  readonly rooms: Map<Room, Set<SocketId>>;
  readonly sids: Map<SocketId, Set<Room>>;
  init(): Promise<void> | void;
  close(): Promise<void> | void;
  serverCount(): Promise<number>;
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void;
  del(id: SocketId, room: Room): Promise<void> | void;
  delAll(id: SocketId): void;
  broadcast(packet: Packet, opts: SioBroadcastOptions): Promise<void> | void;
  broadcastWithAck(
    packet: Packet,
    opts: SioBroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;
  sockets(rooms: Set<Room>): Promise<Set<SocketId>>;
  socketRooms(id: SocketId): Set<Room> | undefined;
  fetchSockets(opts: SioBroadcastOptions): Promise<unknown[]>;
  addSockets(opts: SioBroadcastOptions, rooms: Room[]): Promise<void> | void;
  delSockets(opts: SioBroadcastOptions, rooms: Room[]): Promise<void> | void;
  disconnectSockets(opts: SioBroadcastOptions, close: boolean): Promise<void> | void;
  serverSideEmit(packet: unknown[]): Promise<void> | void;
  persistSession(session: SioSessionToPersist): Promise<void> | void;
  restoreSession(
    pid: string,
    offset: string,
  ): Promise<SioSession | null | undefined> | SioSession | null | undefined;
  /** Room events ("create-room", "join-room", …): their arguments are room and socket ids. */
  on(event: string, listener: (...args: string[]) => void): unknown;
}

/**
 * How such adapters are passed: `createAdapter(...)` of each `@socket.io/*` package returns a
 * `(nsp) => adapter` function; a class works too. Their `.d.ts` type `nsp` as `any`.
 */
export type SocketIoAdapterConstructor =
  | ((nsp: SioNamespace) => SocketIoAdapter)
  | (new (
      nsp: SioNamespace,
    ) => SocketIoAdapter);
