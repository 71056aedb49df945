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
  const previous = server.listeners("request") as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  const route = (req: IncomingMessage, res: ServerResponse) => {
    if (pathOf(req.url) !== path) {
      for (const listener of previous) listener.call(server, req, res);
      return;
    }
    serve(req, res, registry);
  };
  server.removeAllListeners("request");
  server.on("request", route);
  return () => {
    if (server.listeners("request").includes(route)) {
      server.off("request", route);
      for (const listener of previous) server.on("request", listener);
    }
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
