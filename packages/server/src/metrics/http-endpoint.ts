import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/**
 * Serves `registry` at `path` on an HTTP server the Parley server is attached to, in front
 * of its other `request` listeners (the engine, the app): other URLs pass through untouched.
 * Returns a function that takes the route off again.
 */
export function mountMetricsRoute(
  server: HttpServer,
  path: string,
  registry: Registry,
): () => void {
  return interceptRequests(server, (req, res) => {
    if (pathOf(req.url) !== path) return false;
    serve(req, res, registry);
    return true;
  });
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts `intercept` in front of `server`'s `request` listeners (the app's, the engine's):
 * requests it declines (returns false) go on to them unchanged. Returns a function that
 * restores the listeners as they were, if nothing else replaced them meanwhile.
 */
export function interceptRequests(
  server: HttpServer,
  intercept: (req: IncomingMessage, res: ServerResponse) => boolean,
): () => void {
  const previous = server.listeners("request") as RequestListener[];
  const listener: RequestListener = (req, res) => {
    if (intercept(req, res)) return;
    for (const l of previous) l.call(server, req, res);
  };
  server.removeAllListeners("request");
  server.on("request", listener);
  return () => {
    if (!server.listeners("request").includes(listener)) return;
    server.off("request", listener);
    for (const l of previous) server.on("request", l);
  };
}

function serve(req: IncomingMessage, res: ServerResponse, registry: Registry): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" });
    res.end(JSON.stringify({ code: "METHOD_NOT_ALLOWED", message: "use GET" }));
    return;
  }
  registry.metrics().then(
    (text) => {
      res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : text);
    },
    (err: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "METRICS_FAILED", message: String(err) }));
    },
  );
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}
