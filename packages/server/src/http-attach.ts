import type { IncomingMessage, Server, ServerResponse } from "node:http";

/** Answers a request and returns true, or returns false to let the app have it. */
export type RequestInterceptor = (req: IncomingMessage, res: ServerResponse) => boolean;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts `intercept` in front of the server's existing `request` listeners (the app, and the
 * engine if it is already attached): requests it declines go to them unchanged, so the app's
 * own routes keep working on the same port.
 */
export function attachListeners(server: Server, intercept: RequestInterceptor): void {
  const previous = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (intercept(req, res)) return;
    for (const listener of previous) listener.call(server, req, res);
  });
}
