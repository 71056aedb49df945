import type { IncomingMessage } from "node:http";
import type { ClientFileServer } from "../../serve-client.js";
import type { EngineOptions } from "../options.js";
import { BunEngine } from "./bun-engine.js";
import { type BunServer, bunRuntime } from "./bun-runtime.js";
import { responseRecorder } from "./node-response.js";
import { requestRecord } from "./request-record.js";

/** The client bundles a Bun server answers beside the engine (`serveClient`). */
export interface ClientFiles {
  readonly files: ClientFileServer;
  /** Their URL prefix, e.g. "/socket.io/". */
  readonly prefix: string;
  match(url: string | undefined, prefix: string): string | undefined;
}

/** Whether this process runs on Bun, where `io.listen(port)` serves through `Bun.serve`. */
export function onBun(): boolean {
  return bunRuntime() !== undefined;
}

/**
 * `io.listen(port)` on Bun: a `Bun.serve` server of its own on `port`, with the engine under
 * its path, the client bundles when served, and 404 for anything else (as the Node server
 * `listen` creates).
 */
export function listenOnBun(
  port: number | string,
  options: EngineOptions,
  client: ClientFiles | undefined,
): { engine: BunEngine; server: BunServer } {
  const bun = bunRuntime();
  if (bun === undefined) throw new Error("listenOnBun() needs the Bun runtime");
  const engine = new BunEngine(options);
  const handler = engine.handler();
  const server = bun.serve({
    ...handler,
    port,
    fetch(request, srv) {
      if (client !== undefined) {
        const url = request.url;
        const name = client.match(
          url.slice(url.indexOf("/", url.indexOf("//") + 2)),
          client.prefix,
        );
        if (name !== undefined) {
          const { res, response } = responseRecorder();
          const req = requestRecord(request, srv) as unknown as IncomingMessage;
          client.files.serve(name, req, res);
          return response;
        }
      }
      return handler.fetch(request, srv);
    },
  });
  return { engine, server };
}
