import type { BroadcastOptions, SocketDetails } from "./adapter.js";
import type { SerializedBroadcastOptions, SerializedSocket } from "./cluster-message.js";

// How broadcast targets and sockets travel between servers (sets become arrays).

export function serialize(opts: BroadcastOptions): SerializedBroadcastOptions {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags ?? {} };
}

export function deserialize(opts: SerializedBroadcastOptions): BroadcastOptions {
  return { rooms: new Set(opts.rooms), except: new Set(opts.except), flags: opts.flags };
}

/** `rooms`: the socket's rooms as the adapter stores them (reading `socket.rooms` stores a Set). */
export function toSerialized(
  socket: SocketDetails,
  rooms: Iterable<string> = socket.rooms,
): SerializedSocket {
  return {
    id: socket.id,
    handshake: socket.handshake,
    rooms: [...rooms],
    data: socket.data,
  };
}
