// The targets one run compares, and how to start each. socket.io is the baseline every ratio
// is taken against, so it always runs.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");

/**
 * @typedef {object} TargetSpec
 * @property {string} id
 * @property {string} label
 * @property {string} command
 * @property {string[]} args
 * @property {string | undefined} unavailable  why it cannot run here, when it cannot
 */

/** @param {string} script */
function nodeTarget(script) {
  return { command: process.execPath, args: ["--expose-gc", join(HERE, script)] };
}

/** Parley runs from its built dist, the way an application would import it. */
function parleyUnavailable() {
  try {
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const m = await import("@parley/server"); if (typeof m.Server !== "function") process.exit(3);',
      ],
      { cwd: HERE, stdio: "pipe", timeout: 20_000 },
    );
    return undefined;
  } catch (error) {
    const status = /** @type {{ status?: number }} */ (error).status;
    return status === 3
      ? "@parley/server dist has no Server export yet (run `npm run build` once it lands)"
      : "@parley/server dist cannot be imported (run `npm run build`)";
  }
}

/**
 * A warning when Parley's dist is older than its newest source file: the run would measure
 * yesterday's server.
 */
export function parleyDistStale() {
  const dist = join(ROOT, "packages", "server", "dist", "index.cjs");
  if (!existsSync(dist)) return undefined;
  const built = statSync(dist).mtimeMs;
  /** @param {string} dir */
  const newest = (dir) => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return latest;
  };
  const sources = ["server", "protocol"].map((pkg) => join(ROOT, "packages", pkg, "src"));
  const edited = Math.max(...sources.filter(existsSync).map(newest));
  return edited > built
    ? "packages/*/src changed after packages/server/dist was built: run `npm run build` first"
    : undefined;
}

/** The bun npm package ships the binary as bin/bun.exe (its postinstall would relink it). */
export function findBun() {
  const candidates = [
    join(ROOT, "node_modules", "@oven", "bun-linux-x64", "bin", "bun"),
    join(ROOT, "node_modules", "bun", "bin", "bun.exe"),
    join(ROOT, "node_modules", ".bin", "bun"),
  ];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ["--version"], { stdio: "pipe", timeout: 10_000 })
        .toString()
        .trim();
      return { path, version };
    } catch {
      // A placeholder or a binary for another CPU: try the next.
    }
  }
  return undefined;
}

/**
 * Why a Bun target cannot run here, if it cannot: no binary, or (with `probe`) a module the
 * target imports that Bun cannot load.
 * @param {{ path: string } | undefined} bun
 * @param {string} [probe]  a script for `bun -e`, exiting non-zero when unusable
 * @param {string} [why]
 */
function bunUnavailable(bun, probe, why) {
  if (bun === undefined)
    return "no working Bun binary in node_modules (npm i -D bun -w @parley/bench)";
  if (probe === undefined) return undefined;
  try {
    execFileSync(bun.path, ["-e", probe], { cwd: HERE, stdio: "pipe", timeout: 20_000 });
    return undefined;
  } catch {
    return why;
  }
}

/** @returns {TargetSpec[]} */
export function targets() {
  const bun = findBun();
  const bunLabel = (/** @type {string} */ name) =>
    bun === undefined ? `${name} on bun` : `${name} on bun ${bun.version}`;
  // BASE=<checkout>: also "parley-base" and "parley-bun-base", the same bench targets run from
  // another checkout's build (e.g. main's), for A/B runs in the same minutes.
  const base = process.env.BASE;
  const baseTargets =
    base === undefined
      ? []
      : [
          {
            id: "parley-base",
            label: `parley (${base})`,
            command: process.execPath,
            args: ["--expose-gc", join(base, "bench", "targets", "parley.js")],
            unavailable: undefined,
          },
          {
            id: "parley-bun-base",
            label: `parley on bun (${base})`,
            command: bun?.path ?? "bun",
            args: [join(base, "bench", "targets", "parley-bun.js")],
            unavailable: bunUnavailable(bun),
          },
        ];
  return [
    { id: "socketio", label: "socket.io", ...nodeTarget("socketio.js"), unavailable: undefined },
    { id: "parley", label: "parley", ...nodeTarget("parley.js"), unavailable: parleyUnavailable() },
    { id: "ws", label: "ws", ...nodeTarget("ws.js"), unavailable: undefined },
    {
      id: "bun",
      label: bun === undefined ? "bun" : `bun ${bun.version}`,
      command: bun?.path ?? "bun",
      args: [join(HERE, "bun.js")],
      unavailable: bunUnavailable(bun),
    },
    {
      id: "socketio-bun",
      label: bunLabel("socket.io"),
      command: bun?.path ?? "bun",
      args: [join(HERE, "socketio-bun.js")],
      unavailable: bunUnavailable(
        bun,
        'await import("@socket.io/bun-engine")',
        "@socket.io/bun-engine is not installed (npm i -D @socket.io/bun-engine -w @parley/bench)",
      ),
    },
    {
      id: "parley-bun",
      label: bunLabel("parley"),
      command: bun?.path ?? "bun",
      args: [join(HERE, "parley-bun.js")],
      unavailable:
        parleyUnavailable() ??
        bunUnavailable(
          bun,
          'const m = await import("@parley/server/bun"); if (typeof m.BunEngine !== "function") process.exit(3);',
          "@parley/server dist has no Bun front (run `npm run build`)",
        ),
    },
    ...baseTargets,
  ];
}
