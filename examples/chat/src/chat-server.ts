import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@parley/server";
import { type Cluster, enableCluster } from "./cluster.js";
import { type ChatContext, describe } from "./context.js";
import type { ChatAuth } from "./events.js";
import type { HistoryStore } from "./history/store.js";
import { registerMessageHandlers } from "./messages.js";
import { Debounced, trackChatPresence } from "./presence.js";
import { RateLimiter } from "./rate-limit.js";
import { RoomDirectory } from "./room-directory.js";
import { registerRoomHandlers } from "./rooms.js";
import { type StaticDirs, staticHandler } from "./static-files.js";
import type { ChatIo } from "./types.js";
import { checkNick } from "./validation.js";

export interface ChatServerOptions extends StaticDirs {
  port: number;
  host?: string | undefined;
  store: HistoryStore;
  redisUrl?: string | undefined;
  /** Prefix of the cluster's Redis channels (and, by convention, of the store's keys). */
  keyPrefix?: string;
  messageBurst: number;
  messagesPerSecond: number;
  log?: (line: string) => void;
}

export interface RunningChat {
  io: ChatIo;
  http: HttpServer;
  port: number;
  cluster: Cluster;
  close(): Promise<void>;
}

/** Builds the HTTP server, the Parley server on it, and the chat's handlers; then listens. */
export async function startChatServer(options: ChatServerOptions): Promise<RunningChat> {
  const log = options.log ?? ((line: string) => console.error(line));
  const http = createServer(staticHandler(options, "/socket.io/"));
  const io: ChatIo = new Server(http, {
    // Chat messages are small; a 1 MB frame from a browser is an attack, not a message.
    maxHttpBufferSize: 64 * 1024,
  });
  const cluster = await enableCluster(
    io,
    options.redisUrl,
    options.keyPrefix ?? "parley-chat:",
    log,
  );

  // Someone appearing in or leaving a room (here, on another instance, or with an instance
  // that died) changes the room list's counts.
  const presence = trackChatPresence(io, () => roomUpdates.schedule());
  const rooms = new RoomDirectory(io, options.store, presence);
  const roomUpdates = new Debounced(
    async () => {
      await rooms.update();
    },
    300,
    (err) => log(`room list update failed: ${describe(err)}`),
  );
  const ctx: ChatContext = {
    io,
    store: options.store,
    messageLimiter: new RateLimiter({
      capacity: options.messageBurst,
      refillPerSecond: options.messagesPerSecond,
    }),
    typingLimiter: new RateLimiter({ capacity: 5, refillPerSecond: 2 }),
    presence,
    rooms,
    roomUpdates,
    log,
  };

  // The nickname arrives in the handshake's auth, so it is checked once per connection and
  // travels again, unchanged, with every automatic reconnection.
  io.use((socket, next) => {
    const auth = socket.handshake.auth as Partial<ChatAuth> | undefined;
    const checked = checkNick(auth?.nick);
    if (!checked.ok) {
      next(Object.assign(new Error(checked.error.message), { data: checked.error }));
      return;
    }
    socket.data.nick = checked.value;
    next();
  });

  io.on("connection", (socket) => {
    registerRoomHandlers(ctx, socket);
    registerMessageHandlers(ctx, socket);
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  // The default rooms are listed before the first client asks.
  await rooms.update();

  let closing: Promise<void> | undefined;
  return {
    io,
    http,
    port,
    cluster,
    close() {
      closing ??= (async () => {
        // Stopped first: sockets closing below would otherwise schedule a broadcast that
        // reaches for the store after it is closed.
        roomUpdates.stop();
        await new Promise<void>((resolve) => {
          io.close(() => resolve());
        });
        await cluster.close();
        await options.store.close();
      })();
      return closing;
    },
  };
}
