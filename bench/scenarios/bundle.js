// Client bundle size: the browser build each project serves, minified and gzipped (level 9,
// the way a CDN or a static server with precompression would send it).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** @param {string} root */
export function bundleSizes(root) {
  const files = {
    parley: join(root, "packages", "client", "dist", "browser", "socket.io.min.js"),
    socketio: join(root, "node_modules", "socket.io-client", "dist", "socket.io.min.js"),
  };
  /** @type {Record<string, { file: string, minBytes?: number, gzipBytes?: number, missing?: boolean }>} */
  const sizes = {};
  for (const [id, file] of Object.entries(files)) {
    if (!existsSync(file)) {
      sizes[id] = { file, missing: true };
      continue;
    }
    const source = readFileSync(file);
    sizes[id] = { file, minBytes: source.length, gzipBytes: gzipSync(source, { level: 9 }).length };
  }
  return sizes;
}
