import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { brotliCompress, deflate, gzip, constants as zlib } from "node:zlib";
import { debugLog } from "./debug.js";
import type { Cors, HeaderMap } from "./engine/cors.js";

const log = debugLog("parley:server", "socket.io:server");

/**
 * The browser bundles `@parley/client` builds, served under the server's path (socket.io's
 * list: the msgpack bundle is the client with `socket.io-msgpack-parser` built in).
 */
const CLIENT_FILES: ReadonlySet<string> = new Set([
  "socket.io.js",
  "socket.io.js.map",
  "socket.io.min.js",
  "socket.io.min.js.map",
  "socket.io.esm.min.js",
  "socket.io.esm.min.js.map",
  "socket.io.msgpack.min.js",
  "socket.io.msgpack.min.js.map",
]);

type Encoding = "br" | "gzip" | "deflate";

/** At equal quality and rank, the smallest output first. */
const ENCODINGS: readonly Encoding[] = ["br", "gzip", "deflate"];

interface CachedFile {
  readonly raw: Buffer;
  readonly etag: string;
  /** Each encoding, compressed once on first request for it. */
  readonly encoded: Map<Encoding, Promise<Buffer>>;
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

function compress(encoding: Encoding, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err ? reject(err) : resolve(out));
    // Once per file and process, off the main thread: the best ratio is worth it.
    if (encoding === "br") {
      brotliCompress(
        data,
        {
          params: {
            [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
            [zlib.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        },
        done,
      );
    } else if (encoding === "gzip") {
      gzip(data, { level: 9 }, done);
    } else {
      deflate(data, { level: 9 }, done);
    }
  });
}

/**
 * The encoding to answer with, from Accept-Encoding, chosen as socket.io's `accepts` does:
 * the highest quality among br, gzip and deflate; at equal quality a coding the request names
 * beats one it only allows through `*`, then the request's own order wins ("gzip, br" gets
 * gzip), then br, gzip, deflate. `q=0` refuses. `undefined` means the raw bytes.
 */
export function negotiateEncoding(header: string | undefined): Encoding | undefined {
  if (header === undefined || header === "") return undefined;
  const named = new Map<string, { q: number; order: number }>();
  let wildcard: { q: number; order: number } | undefined;
  const parts = header.split(",", 32);
  for (let order = 0; order < parts.length; order++) {
    const [rawName, ...params] = (parts[order] as string).split(";");
    const name = (rawName ?? "").trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key?.trim().toLowerCase() === "q") {
        const parsed = Number(value);
        q = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    if (name === "*") wildcard ??= { q, order };
    else if (name !== "" && !named.has(name)) named.set(name, { q, order });
  }
  let best: Encoding | undefined;
  let bestRank: readonly number[] = [0];
  for (const encoding of ENCODINGS) {
    const spec = named.get(encoding);
    const match = spec ?? wildcard;
    if (match === undefined || !(match.q > 0)) continue;
    // Compared in turn: quality, named over wildcard, request order (lower first).
    const rank = [match.q, spec === undefined ? 0 : 1, -match.order];
    if (best === undefined || isHigher(rank, bestRank)) {
      best = encoding;
      bestRank = rank;
    }
  }
  return best;
}

function isHigher(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return false;
}

function addVary(headers: HeaderMap, value: string): void {
  const current = headers.Vary;
  headers.Vary = current === undefined ? value : `${String(current)}, ${value}`;
}

/**
 * Serves the client bundles as socket.io does: the `cors` option applies (so a page on
 * another origin can `import` the ESM bundle), responses are compressed with br, gzip or
 * deflate as the request accepts, with an ETag and `Cache-Control: public, max-age=0`.
 *
 * Each file is read on first request and hashed for its ETag; each encoding is computed once,
 * and later requests are answered from memory. A missing file (client not built) is not
 * cached, so building the client later makes it appear without a restart.
 */
export class ClientFileServer {
  readonly #dir: string | undefined;
  readonly #cors: Cors | undefined;
  readonly #cache = new Map<string, Promise<CachedFile>>();

  constructor(dir: string | undefined, cors?: Cors) {
    this.#dir = dir;
    this.#cors = cors;
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
    const cors = this.#cors;
    if (cors === undefined) {
      this.#serve(name, req, res, {});
      return;
    }
    cors.check(req).then(
      (verdict) => {
        // Like the `cors` package: a foreign origin gets the file without CORS headers (its
        // browser then refuses it), not an error. On OPTIONS, `check` added the preflight ones.
        if (req.method === "OPTIONS") {
          if (verdict === null) res.writeHead(204, { "Content-Length": "0" });
          else res.writeHead(verdict.preflightStatus, verdict.headers);
          res.end();
          return;
        }
        this.#serve(name, req, res, verdict?.headers ?? {});
      },
      () => sendJson(res, 500, { code: "CORS_CHECK_FAILED", message: "origin check failed" }),
    );
  }

  #serve(name: string, req: IncomingMessage, res: ServerResponse, headers: HeaderMap): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "use GET" });
      return;
    }
    this.#load(name).then(
      (file) => this.#send(file, name, req, res, headers),
      () => {
        this.#cache.delete(name);
        log("client file %s is missing", name);
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
        const etag = `"${createHash("sha1").update(raw).digest("base64url")}"`;
        return { raw, etag, encoded: new Map() };
      })();
      this.#cache.set(name, file);
    }
    return file;
  }

  #encoded(file: CachedFile, encoding: Encoding): Promise<Buffer> {
    let out = file.encoded.get(encoding);
    if (out === undefined) {
      out = compress(encoding, file.raw);
      file.encoded.set(encoding, out);
    }
    return out;
  }

  #send(
    file: CachedFile,
    name: string,
    req: IncomingMessage,
    res: ServerResponse,
    headers: HeaderMap,
  ): void {
    const isMap = name.endsWith(".map");
    headers["Cache-Control"] = "public, max-age=0";
    headers.ETag = file.etag;
    addVary(headers, "Accept-Encoding");
    const match = req.headers["if-none-match"];
    if (match !== undefined && (match === file.etag || match === `W/${file.etag}`)) {
      log("serve client %s 304", isMap ? "map" : "source");
      res.writeHead(304, headers);
      res.end();
      return;
    }
    log("serve client %s", isMap ? "map" : "source");
    headers["Content-Type"] = isMap
      ? "application/json; charset=utf-8"
      : "application/javascript; charset=utf-8";
    const encoding = negotiateEncoding(req.headers["accept-encoding"]);
    const write = (body: Buffer) => {
      headers["Content-Length"] = String(body.length);
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (encoding === undefined) {
      write(file.raw);
      return;
    }
    this.#encoded(file, encoding).then(
      (body) => {
        headers["Content-Encoding"] = encoding;
        write(body);
      },
      () => {
        // Compression never fails on a Buffer in practice; if it did, the raw file still works.
        file.encoded.delete(encoding);
        write(file.raw);
      },
    );
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
