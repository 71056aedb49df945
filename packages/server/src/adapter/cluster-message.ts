import type { Packet, RawData } from "@parley/protocol";
import type { Handshake } from "../socket-types.js";
import type {
  BroadcastFlags,
  PrivateSessionId,
  RecoveryFailureReason,
  RestoredSession,
  Room,
  SocketId,
} from "./adapter.js";

/** `BroadcastOptions` as it travels between servers (sets become arrays). */
export interface SerializedBroadcastOptions {
  rooms: Room[];
  except: Room[];
  flags: BroadcastFlags;
}

/** A socket as another server describes it in a `fetch-sockets-response`. */
export interface SerializedSocket {
  id: SocketId;
  handshake: Handshake;
  rooms: Room[];
  data: unknown;
}

/**
 * The `uid` of messages sent by an emitter (a process that publishes but is no server): such
 * messages are applied, but their sender is not counted as a server of the cluster.
 */
export const EMITTER_UID = "emitter";

/** Fields every message carries: who sent it, for which namespace. */
interface Envelope {
  /** The sending server's adapter uid; a server ignores its own messages. */
  uid: string;
  nsp: string;
}

/**
 * Every message a cluster adapter exchanges, discriminated by `type`. Requests carry a
 * `requestId`; their responses repeat it. How a message is encoded on the wire (JSON with
 * binary side-channel, msgpack…) is the subclass's business.
 */
export type ClusterMessage = Envelope &
  (
    | { type: "initial-heartbeat" }
    | { type: "heartbeat" }
    | { type: "adapter-close" }
    | {
        type: "broadcast";
        packet: Packet;
        opts: SerializedBroadcastOptions;
        requestId?: string;
        /**
         * The packet's id across the cluster (its offset on the sending server), when it is
         * kept for connection state recovery: a session handed over between two servers is
         * sent each packet once, whichever of them kept it.
         */
        id?: string;
      }
    | { type: "broadcast-client-count"; requestId: string; clientCount: number }
    | { type: "broadcast-ack"; requestId: string; reply: unknown }
    | { type: "sockets-join"; opts: SerializedBroadcastOptions; rooms: Room[]; requestId?: string }
    | { type: "sockets-leave"; opts: SerializedBroadcastOptions; rooms: Room[]; requestId?: string }
    | { type: "sockets-applied"; requestId: string }
    | { type: "disconnect-sockets"; opts: SerializedBroadcastOptions; close: boolean }
    | { type: "fetch-sockets"; opts: SerializedBroadcastOptions; requestId: string }
    | { type: "fetch-sockets-response"; requestId: string; sockets: SerializedSocket[] }
    | { type: "server-side-emit"; packet: unknown[]; requestId?: string }
    | { type: "server-side-emit-response"; requestId: string; reply: unknown }
    | { type: "restore-session"; requestId: string; pid: PrivateSessionId; offset: string }
    | {
        type: "restore-session-response";
        requestId: string;
        /** The session, taken out of the answering server's store; null if not held there. */
        session: RestoredSession | null;
        /** With a session: the cluster-wide id of each missed packet. */
        ids?: string[];
        /** With a session: where the holder's store picks up for `restore-session-tail`. */
        from?: string;
        /** Without a session: the holder knew it, but could not restore it. */
        reason?: RecoveryFailureReason;
      }
    /**
     * The second step of a hand-over, to the holder only (`holder`): the packets its store
     * kept for `rooms` since it answered `restore-session` (from offset `from`).
     */
    | {
        type: "restore-session-tail";
        requestId: string;
        holder: string;
        from: string;
        rooms: Room[];
      }
    | {
        type: "restore-session-tail-response";
        requestId: string;
        /** Null: some of those packets were already dropped from the holder's store. */
        tail: { ids: string[]; packets: RawData[][] } | null;
      }
  );

export type ClusterMessageType = ClusterMessage["type"];

/** The message of one `type`. */
export type ClusterMessageOf<T extends ClusterMessageType> = Extract<ClusterMessage, { type: T }>;

/** Messages that answer a request: they may be sent to the requester only. */
export type ClusterResponse = ClusterMessageOf<
  | "broadcast-client-count"
  | "broadcast-ack"
  | "fetch-sockets-response"
  | "server-side-emit-response"
  | "restore-session-response"
  | "restore-session-tail-response"
  | "sockets-applied"
>;
