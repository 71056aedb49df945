import { createServer, type Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { Engine } from "./node/engine.js";
import type { EngineOptions } from "./options.js";

/**
 * engine.io's top-level API over `Engine`, so code written against engine.io runs after
 * changing the import: `Server`, `attach()`, `listen()`, `protocol`. The one difference from
 * `Engine` is engine.io's: standalone, it serves `/engine.io/` (socket.io, and Parley's
 * `Engine`, serve `/socket.io/`).
 */

/** engine.io's default path for an engine on its own. */
export const ENGINE_IO_PATH = "/engine.io";

/** The Engine.IO protocol revision spoken (engine.io's `protocol`). */
export const protocol = 4;

/** engine.io's `Server`: an `Engine` whose default path is `/engine.io/`. */
export class Server extends Engine {
  /** The HTTP server `listen()` created (engine.io's `httpServer`). */
  httpServer?: HttpServer;

  constructor(opts: EngineOptions = {}) {
    super(opts.path === undefined ? { ...opts, path: ENGINE_IO_PATH } : opts);
  }
}

/** engine.io's `attach(server, opts)`: a new `Server` attached to `server`. */
export function attach(server: HttpServer | HttpsServer, options: EngineOptions = {}): Server {
  const engine = new Server(options);
  engine.attach(server, options);
  return engine;
}

/**
 * engine.io's `listen(port, opts?, callback?)`: an HTTP server of its own, answering 501 to
 * requests outside the engine's path, listening on `port`; kept as `engine.httpServer`.
 */
export function listen(
  port: number,
  options?: EngineOptions | (() => void),
  callback?: () => void,
): Server {
  let opts: EngineOptions = {};
  if (typeof options === "function") callback = options;
  else if (options !== undefined) opts = options;
  const server = createServer((_req, res) => {
    res.writeHead(501);
    res.end("Not Implemented");
  });
  const engine = attach(server, opts);
  engine.httpServer = server;
  server.listen(port, callback);
  return engine;
}
