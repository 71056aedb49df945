// Reads files out of a socket.io monorepo: either a checkout (a directory with `packages/`) or a
// git directory (bare, a `.git`, or a snapshot with no work tree), at SOCKETIO_REF (HEAD).
// Nothing read here is ever committed: it is copied into the git-ignored scratch directory.

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** @typedef {{ kind: "tree" | "git", path: string, ref: string, commit: string }} Source */

/**
 * @param {string | undefined} path
 * @param {string} ref
 * @returns {Source}
 */
export function openSource(path, ref = "HEAD") {
  if (!path) {
    throw new Error(
      "SOCKETIO_REPO is not set: point it at a socket.io monorepo checkout or git directory",
    );
  }
  if (existsSync(join(path, "packages", "socket.io"))) {
    return { kind: "tree", path, ref, commit: gitOrUnknown(["-C", path, "rev-parse", "HEAD"]) };
  }
  const commit = gitOrUnknown(["--git-dir", path, "rev-parse", ref]);
  if (commit === "unknown") {
    throw new Error(`${path} is neither a socket.io checkout nor a git directory with ${ref}`);
  }
  return { kind: "git", path, ref, commit };
}

/** @param {string[]} args */
function gitOrUnknown(args) {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .slice(0, 40);
  } catch {
    return "unknown";
  }
}

/**
 * Copies the tree under `prefix` into `dest` (its path relative to `prefix` kept).
 * Returns the relative paths whose content the source lacks (snapshots drop large blobs).
 * @param {Source} source
 * @param {string} prefix
 * @param {string} dest
 * @returns {string[]}
 */
export function extract(source, prefix, dest) {
  mkdirSync(dest, { recursive: true });
  if (source.kind === "tree") {
    const from = join(source.path, prefix);
    cpSync(from, dest, { recursive: true });
    return [];
  }
  const listing = execFileSync(
    "git",
    ["--git-dir", source.path, "ls-tree", "-r", "-z", source.ref, "--", `${prefix}/`],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const missing = [];
  for (const entry of listing.split("\0")) {
    if (!entry) continue;
    // "<mode> <type> <sha>\t<path>"
    const [meta, path] = entry.split("\t");
    const [, type, sha] = meta.split(" ");
    if (type !== "blob") continue;
    const rel = relative(prefix, path);
    try {
      const content = execFileSync("git", ["--git-dir", source.path, "cat-file", "blob", sha], {
        maxBuffer: 256 * 1024 * 1024,
        stdio: ["ignore", "pipe", "ignore"],
      });
      const file = join(dest, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    } catch {
      missing.push(rel);
    }
  }
  return missing;
}

/**
 * Every file under `dir`, relative to it.
 * @param {string} dir
 * @returns {string[]}
 */
export function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}
