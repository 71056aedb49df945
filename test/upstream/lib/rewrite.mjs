// The only edits made to upstream test files: module specifiers, and a few exact strings.
// Each edit must match: when upstream moves on and a pattern no longer matches, the runner stops
// with the file and the pattern, rather than silently testing something else.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Replaces module specifiers in `import … from "x"`, `import "x"`, `require("x")` and
 * `import("x")`. `map` is specifier → replacement; each specifier present must be rewritten.
 * @param {string} dir
 * @param {string} file      relative to dir
 * @param {Record<string, string>} map
 */
export function rewriteSpecifiers(dir, file, map) {
  const path = join(dir, file);
  let text = readFileSync(path, "utf8");
  const pattern = /(\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'])([^"']+)\2/g;
  text = text.replace(pattern, (whole, head, quote, spec) => {
    const to = map[spec];
    return to === undefined ? whole : `${head}${quote}${to}${quote}`;
  });
  writeFileSync(path, text);
}

/**
 * Replaces every occurrence of an exact string; throws when there is none (or, when `count`
 * is given, when there are not exactly that many).
 * @param {string} dir
 * @param {string} file
 * @param {string} from
 * @param {string} to
 * @param {number} [count]
 */
export function replaceExact(dir, file, from, to, count) {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  const found = text.split(from).length - 1;
  if (found === 0 || (count !== undefined && found !== count)) {
    throw new Error(
      `upstream changed: ${file} has ${found} × ${JSON.stringify(from)} (expected ${count ?? "≥1"})`,
    );
  }
  writeFileSync(path, text.split(from).join(to));
}

/**
 * Absolute path of a runner shim, as a specifier test files can require.
 * @param {string} name
 */
export function shim(name) {
  return new URL(`../shims/${name}`, import.meta.url).pathname;
}

/**
 * A module in the suite directory standing for internal `name` of socket.io that Parley has
 * no counterpart for (see shims/missing.cjs); returns its absolute path, for rewriteSpecifiers.
 * @param {string} dir
 * @param {string} name
 */
export function missingModule(dir, name) {
  mkdirSync(join(dir, "_missing"), { recursive: true });
  const file = join(dir, "_missing", `${name.replace(/[^a-zA-Z0-9.-]+/g, "_")}.cjs`);
  writeFileSync(
    file,
    `module.exports = require(${JSON.stringify(shim("missing.cjs"))})(${JSON.stringify(name)});\n`,
  );
  return file;
}
