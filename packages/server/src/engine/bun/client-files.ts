import type { IncomingMessage } from "node:http";
import type { ClientFileServer } from "../../serve-client.js";
import type { BunServer } from "./bun-runtime.js";
import { responseRecorder } from "./node-response.js";
import { requestRecord } from "./request-record.js";

/**
 * The client bundles (`/socket.io/socket.io.js`…) a Bun engine serves beside itself when the
 * server's `serveClient` is on, as `attach` does on Node. Given by `io.bind(engine)`.
 */
export interface ClientFiles {
  readonly files: ClientFileServer;
  /** Their URL prefix, e.g. "/socket.io/". */
  readonly prefix: string;
  match(url: string | undefined, prefix: string): string | undefined;
}

/** The bundle `path` names, answered; undefined when it names none. */
export function serveClientFile(
  client: ClientFiles,
  path: string,
  request: Request,
  server: BunServer,
): Promise<Response> | undefined {
  const name = client.match(path, client.prefix);
  if (name === undefined) return undefined;
  const { res, response } = responseRecorder();
  const req = requestRecord(request, server) as unknown as IncomingMessage;
  client.files.serve(name, req, res);
  return response;
}
