// In-process servers for adapter tests: a Parley server or a socket.io 4.8 one, on port 0,
// running the adapter app (adapter-app.ts).
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as ParleyServer, type ServerOptions } from "@parley/server";
import { type ServerOptions as SocketIoOptions, Server as SocketIoServer } from "socket.io";
import { installApp } from "./adapter-app.js";
import type { ServerRef } from "./adapter-conformance.js";

export interface RunningServer extends ServerRef {
  close(): Promise<void>;
}

/** Connection state recovery settings both servers understand. */
export const RECOVERY = { maxDisconnectionDuration: 60_000, skipMiddlewares: true } as const;

async function listen(
  name: string,
  attach: (http: ReturnType<typeof createServer>) => { close(): Promise<void> | void },
): Promise<RunningServer> {
  const http = createServer();
  const io = attach(http);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    name,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      http.closeAllConnections();
      await io.close();
    },
  };
}

/** A Parley server with `adapter` (any form `ServerOptions.adapter` takes). */
export function startParley(
  name: string,
  adapter: NonNullable<ServerOptions["adapter"]>,
  opts: ServerOptions = {},
): Promise<RunningServer> {
  return listen(name, (http) => {
    const io = new ParleyServer(http, { serveClient: false, ...opts, adapter });
    installApp(io, name);
    return io;
  });
}

/** A socket.io 4.8 server with `adapter`. */
export function startSocketIo(
  name: string,
  adapter: NonNullable<SocketIoOptions["adapter"]>,
  opts: Partial<SocketIoOptions> = {},
): Promise<RunningServer> {
  return listen(name, (http) => {
    const io = new SocketIoServer(http, { serveClient: false, ...opts, adapter });
    installApp(io, name);
    return { close: () => new Promise<void>((resolve) => io.close(() => resolve())) };
  });
}
