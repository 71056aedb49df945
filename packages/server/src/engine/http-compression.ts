import { deflate, gzip, type ZlibOptions } from "node:zlib";

export type ContentEncoding = "gzip" | "deflate";

/**
 * The encoding to use for a response, from the request's Accept-Encoding: gzip preferred over
 * deflate at equal quality, `q=0` honoured, `*` understood. `null` means identity.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding | null {
  if (!acceptEncoding) return null;
  let best: ContentEncoding | null = null;
  let bestQ = 0;
  let wildcard = -1;
  const explicit = new Map<string, number>();
  for (const part of acceptEncoding.split(",", 32)) {
    const [rawName, ...params] = part.split(";");
    const name = (rawName ?? "").trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [k, v] = param.split("=");
      if (k?.trim() === "q") {
        const parsed = Number(v);
        q = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    if (name === "*") wildcard = q;
    else explicit.set(name, q);
  }
  for (const candidate of ["gzip", "deflate"] as const) {
    const q = explicit.get(candidate) ?? Math.max(wildcard, 0);
    if (q > bestQ) {
      best = candidate;
      bestQ = q;
    }
  }
  return best;
}

/** Compresses off the main thread (zlib's thread pool), with the user's zlib options. */
export function compress(
  encoding: ContentEncoding,
  body: string | Uint8Array,
  opts: ZlibOptions,
  callback: (err: Error | null, result: Buffer) => void,
): void {
  if (encoding === "gzip") gzip(body, opts, callback);
  else deflate(body, opts, callback);
}
