// The protocol servers load Parley (or, with --target=official, socket.io / engine.io) from the
// scratch directory's node_modules, where run.mjs linked @parley/* and installed the rest.

import { createRequire } from "node:module";
import { join } from "node:path";

const scratch = process.env.UPSTREAM_SCRATCH;
if (!scratch) throw new Error("UPSTREAM_SCRATCH is not set (start this through run.mjs)");

export const requireFromScratch = createRequire(join(scratch, "package.json"));
export const port = Number(process.env.UPSTREAM_PORT);
export const target = process.env.UPSTREAM_TARGET ?? "parley";
