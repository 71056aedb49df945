import type { io as connect, Socket } from "@parley/client";
import type { ClientToServerEvents, ServerToClientEvents } from "../events.js";

declare global {
  /** Defined by /socket.io/socket.io.js, which the Parley server serves next to the page. */
  var io: typeof connect;
}

/** The page's socket, typed with the chat's shared event map (the server's mirror image). */
export type PageSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export function connectAs(nick: string): PageSocket {
  return io({
    auth: { nick },
    // A chat should come back quickly after a blip; the jitter still spreads a mass reconnect.
    reconnectionDelay: 500,
    reconnectionDelayMax: 4_000,
  });
}

/** The name of the transport in use ("websocket" or "polling"), when known. */
export function transportName(socket: PageSocket): string | undefined {
  return socket.io.engine?.transport?.name;
}
