// Cluster nodes for the cross-node broadcast: socket.io on its official Redis adapter, and
// Parley on @parley/redis-adapter once that package provides an adapter.

import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

function parleyAdapterUnavailable() {
  try {
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const m = await import("@parley/redis-adapter"); if (typeof m.createAdapter !== "function") process.exit(3);',
      ],
      { cwd: HERE, stdio: "pipe", timeout: 20_000 },
    );
    return undefined;
  } catch {
    // Short: it is printed in the table cell.
    return "pending cluster adapter";
  }
}

/**
 * @param {import("./registry.js").TargetSpec[]} targets  the run's targets (for Parley's state)
 * @returns {import("./registry.js").TargetSpec[]}
 */
export function clusterTargets(targets) {
  const parley = targets.find((t) => t.id === "parley");
  return [
    {
      id: "socketio",
      label: "socket.io",
      command: process.execPath,
      args: ["--expose-gc", join(HERE, "socketio-redis.js")],
      unavailable: undefined,
    },
    {
      id: "parley",
      label: "parley",
      command: process.execPath,
      args: ["--expose-gc", join(HERE, "parley-redis.js")],
      unavailable: parley?.unavailable ?? parleyAdapterUnavailable(),
    },
  ];
}
