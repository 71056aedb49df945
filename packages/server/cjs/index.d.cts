import * as parley from "../dist/index.cjs";

/** `require("@parley/server")(httpServer, opts)`: creates a `Server`. */
declare function io(
  srv?: parley.AttachTarget | parley.ServerOptions,
  opts?: parley.ServerOptions,
): parley.Server;

declare namespace io {
  export import Server = parley.Server;
  export import Namespace = parley.Namespace;
  export import ParentNamespace = parley.ParentNamespace;
  export import Socket = parley.Socket;
  export import SocketEmitter = parley.SocketEmitter;
  export import BroadcastOperator = parley.BroadcastOperator;
  export import Client = parley.Client;
  export import InMemoryAdapter = parley.InMemoryAdapter;
  export import ClusterAdapter = parley.ClusterAdapter;
  export import AckTimeoutError = parley.AckTimeoutError;
  export import PendingAcksExceededError = parley.PendingAcksExceededError;
  export import SocketDisconnectedError = parley.SocketDisconnectedError;
  export import MiddlewareFailedError = parley.MiddlewareFailedError;
  export type ServerOptions = parley.ServerOptions;
  export type ConnectionStateRecoveryOptions = parley.ConnectionStateRecoveryOptions;
  export type AttachTarget = parley.AttachTarget;
  export type Adapter = parley.Adapter;
  export type AdapterConstructor = parley.AdapterConstructor;
  export type BroadcastOptions = parley.BroadcastOptions;
  export type ClusterMessage = parley.ClusterMessage;
  export type DisconnectReason = parley.DisconnectReason;
  export type Event = parley.Event;
  export type ExtendedError = parley.ExtendedError;
  export type Handshake = parley.Handshake;
  export type RemoteSocket<E extends parley.EventsMap, D = unknown> = parley.RemoteSocket<E, D>;
  export type PersistedSession = parley.PersistedSession;
  export type RestoredSession = parley.RestoredSession;
  export type Room = parley.Room;
  export type SocketId = parley.SocketId;
  export type DefaultEventsMap = parley.DefaultEventsMap;
  export type EventsMap = parley.EventsMap;
  export { io as default };
}

export = io;
