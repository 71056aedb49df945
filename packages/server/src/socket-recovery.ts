import type { Packet } from "@parley/protocol";
import type {
  Adapter,
  BroadcastFlags,
  PersistedSession,
  RestoredSession,
  Room,
  SocketId,
} from "./adapter/adapter.js";
import type { Client } from "./client.js";
import { prepareMessage } from "./engine/contract.js";
import type { ErrorSink } from "./typed-emitter.js";

/**
 * A socket's side of connection state recovery, as module functions taking what they need:
 * packets to the socket alone stored through the adapter (so they get an offset and can be
 * replayed), its session persisted on a recoverable disconnect, and a recovered session's
 * rooms and missed packets applied on reconnection.
 */

const NO_ROOMS: ReadonlySet<Room> = new Set();

/**
 * Sends `packet` through the adapter to socket `id`'s own room only: it gets an offset and is
 * kept for replay, as a broadcast would be. `local`: no other server needs to see it. Once the
 * socket has disconnected its room is empty, but the packet is still kept: a client that
 * recovers the session gets it (as socket.io does).
 */
export function storeForSocket(
  adapter: Adapter,
  id: SocketId,
  packet: Packet,
  compress: boolean | undefined,
): void {
  const flags: BroadcastFlags = { local: true };
  if (compress !== undefined) flags.compress = compress;
  adapter.broadcast(packet, { rooms: new Set([id]), except: NO_ROOMS, flags });
}

/** Keeps a disconnected socket's session for recovery; a failure is reported, not thrown. */
export function persistSession(adapter: Adapter, session: PersistedSession, sink: ErrorSink): void {
  try {
    const result = adapter.persistSession(session);
    if (result instanceof Promise) {
      result.catch((err: unknown) => sink.reportListenerError(err, "adapter.persistSession"));
    }
  } catch (err) {
    sink.reportListenerError(err, "adapter.persistSession");
  }
}

/**
 * A recovered session comes back: its rooms (straight to the adapter: they were within
 * `maxRoomsPerSocket` when persisted), then the packets it missed, before the CONNECT, as
 * socket.io writes them: clients buffer events that come before it and emit them just
 * before `connect` (socket.io-client's order), not after it.
 */
export function restoreSession(
  adapter: Adapter,
  client: Client,
  id: SocketId,
  restored: RestoredSession,
): void {
  adapter.addAll(id, new Set([id, ...restored.rooms]));
  for (const frames of restored.missedPackets) client._writePrepared(prepareMessage(frames));
}
