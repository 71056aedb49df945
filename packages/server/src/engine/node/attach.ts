import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { type AttachOptions, normalizePath, pathMatcher } from "../options.js";

/** What `attachToServer` needs of an engine: its public request entry points. */
export interface AttachableEngine {
  readonly options: { readonly path: string };
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): unknown;
}

function ignore(): void {}

/**
 * `Engine#attach`: serves requests under `path` (default the engine's) on `server`, handing
 * every other request to the listeners the server had, and takes WebSocket upgrades under
 * `path`; an upgrade nobody else listens for is destroyed after `destroyUpgradeTimeout`.
 */
export function attachToServer(
  engine: AttachableEngine,
  server: HttpServer | HttpsServer,
  options: AttachOptions,
): void {
  const path =
    options.path === undefined
      ? engine.options.path
      : normalizePath(options.path, options.addTrailingSlash ?? true);
  const matches = pathMatcher(path);
  const destroyUpgrade = options.destroyUpgrade !== false;
  const destroyUpgradeTimeout = options.destroyUpgradeTimeout ?? 1000;
  const previous = server.listeners("request").slice() as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (matches(req.url)) {
      engine.handleRequest(req, res);
      return;
    }
    for (const listener of previous) listener.call(server, req, res);
  });
  server.on("close", () => engine.close());
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (matches(req.url)) {
      engine.handleUpgrade(req, socket, head);
      return;
    }
    // Someone else may take it; if nobody writes anything, don't leave it hanging.
    if (!destroyUpgrade || server.listeners("upgrade").some((l) => l !== onUpgrade)) return;
    socket.on("error", ignore);
    setTimeout(() => {
      const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
      if (!socket.destroyed && written <= 0) socket.destroy();
    }, destroyUpgradeTimeout).unref();
  };
  server.on("upgrade", onUpgrade);
}
