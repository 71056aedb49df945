// Prints the minified and minified+gzip (level 9) size of Parley's IIFE bundle next to
// socket.io-client's, measured the same way. Run after `npm run build -w @parley/client`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);
const files = {
  "@parley/client dist/browser/socket.io.min.js": new URL(
    "../dist/browser/socket.io.min.js",
    import.meta.url,
  ),
  // Its `exports` hide dist/: find the package root from its main entry.
  "socket.io-client dist/socket.io.min.js": `${require
    .resolve("socket.io-client")
    .replace(/(node_modules\/socket\.io-client\/).*$/, "$1")}dist/socket.io.min.js`,
};

const kb = (n) => `${(n / 1024).toFixed(2)} kB`;
for (const [name, path] of Object.entries(files)) {
  const bytes = readFileSync(path);
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(
    `${name.padEnd(48)} min ${kb(bytes.length).padStart(9)}   min+gzip ${kb(gz).padStart(9)} (${gz} B)`,
  );
}
