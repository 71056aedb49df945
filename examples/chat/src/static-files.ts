import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";

/** The page's files: a fixed allow-list, so no request path ever reaches the file system. */
interface Asset {
  dir: "public" | "bundle";
  file: string;
  type: string;
}

const ASSETS: Record<string, Asset> = {
  "/": { dir: "public", file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { dir: "public", file: "index.html", type: "text/html; charset=utf-8" },
  "/style.css": { dir: "public", file: "style.css", type: "text/css; charset=utf-8" },
  "/app.js": { dir: "bundle", file: "app.js", type: "text/javascript; charset=utf-8" },
  "/app.js.map": { dir: "bundle", file: "app.js.map", type: "application/json; charset=utf-8" },
};

/**
 * Defence in depth for the page: even if user text ever reached the DOM as markup, the policy
 * forbids inline scripts and scripts from anywhere but this origin.
 */
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
} as const;

export interface StaticDirs {
  /** Hand-written files: index.html, style.css. */
  publicDir: string;
  /** Built files: app.js and its source map. */
  bundleDir: string;
}

/** Returns the app's request handler. Paths under `ignorePrefix` belong to Parley. */
export function staticHandler(
  dirs: StaticDirs,
  ignorePrefix: string,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    if (path.startsWith(ignorePrefix)) return;
    if (path === "/healthz") {
      res.writeHead(200, {
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "no-store",
      });
      res.end("ok\n");
      return;
    }
    const asset = ASSETS[path];
    if (asset === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", ...SECURITY_HEADERS });
      res.end("Not found\n");
      return;
    }
    const file = join(asset.dir === "public" ? dirs.publicDir : dirs.bundleDir, asset.file);
    serveFile(req, res, file, asset.type).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      }
      res.end("Cannot read the page's files. Did `npm run build` run?\n");
    });
  };
}

async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  type: string,
): Promise<void> {
  const info = await stat(file);
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Length": info.size,
    // Revalidate every time: a redeployed chat must not run yesterday's script.
    "Cache-Control": "no-cache",
    ...SECURITY_HEADERS,
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on("error", reject);
    stream.on("end", resolve);
    stream.pipe(res);
  });
}
