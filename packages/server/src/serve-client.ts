import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzip } from "node:zlib";

/** The browser bundles `@parley/client` builds, served under the server's path. */
const CLIENT_FILES: ReadonlySet<string> = new Set([
  "socket.io.js",
  "socket.io.js.map",
  "socket.io.min.js",
  "socket.io.min.js.map",
  "socket.io.esm.min.js",
  "socket.io.esm.min.js.map",
]);

interface CachedFile {
  readonly raw: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
}

/** Finds `@parley/client`'s browser build directory, from either build of this package. */
export function defaultClientDir(): string | undefined {
  try {
    // Both builds resolve from their own file: the CJS build gets `import.meta.url` from tsup's
    // shim. (A `typeof require` test would not do: esbuild turns `require` into a throwing
    // stub in the ESM build.)
    const req = createRequire(import.meta.url);
    return join(dirname(req.resolve("@parley/client/package.json")), "dist", "browser");
  } catch {
    return undefined;
  }
}

function gzipAsync(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gzip(data, { level: 9 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (name?.trim().toLowerCase() !== "gzip" && name?.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * Serves the client bundles. Each file is read on first request, hashed for its ETag and
 * gzipped once; later requests are answered from memory. A missing file (client not built)
 * is not cached, so building the client later makes it appear without a restart.
 */
export class ClientFileServer {
  readonly #dir: string | undefined;
  readonly #cache = new Map<string, Promise<CachedFile>>();

  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  /** The file a request path names, if it is one we serve (`prefix` is e.g. "/socket.io/"). */
  static match(url: string | undefined, prefix: string): string | undefined {
    if (url === undefined || !url.startsWith(prefix)) return undefined;
    const rest = url.slice(prefix.length);
    const q = rest.indexOf("?");
    const name = q === -1 ? rest : rest.slice(0, q);
    return CLIENT_FILES.has(name) ? name : undefined;
  }

  serve(name: string, req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "use GET" });
      return;
    }
    this.#load(name).then(
      (file) => this.#send(file, name, req, res),
      () => {
        this.#cache.delete(name);
        sendJson(res, 404, {
          code: "CLIENT_NOT_BUILT",
          message: `${name} is not available: build @parley/client first`,
        });
      },
    );
  }

  #load(name: string): Promise<CachedFile> {
    let file = this.#cache.get(name);
    if (file === undefined) {
      const dir = this.#dir;
      file = (async () => {
        if (dir === undefined) throw new Error("no client directory");
        const raw = await readFile(join(dir, name));
        const gzipped = await gzipAsync(raw);
        const etag = `"${createHash("sha1").update(raw).digest("base64url")}"`;
        return { raw, gzipped, etag };
      })();
      this.#cache.set(name, file);
    }
    return file;
  }

  #send(file: CachedFile, name: string, req: IncomingMessage, res: ServerResponse): void {
    const match = req.headers["if-none-match"];
    const headers: Record<string, string | number> = {
      "Cache-Control": "public, max-age=0",
      ETag: file.etag,
      Vary: "Accept-Encoding",
    };
    if (match !== undefined && (match === file.etag || match === `W/${file.etag}`)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers["Content-Type"] = name.endsWith(".map")
      ? "application/json; charset=utf-8"
      : "application/javascript; charset=utf-8";
    let body = file.raw;
    if (acceptsGzip(req.headers["accept-encoding"])) {
      headers["Content-Encoding"] = "gzip";
      body = file.gzipped;
    }
    headers["Content-Length"] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}
