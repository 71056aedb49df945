import { fileURLToPath } from "node:url";
import { describeBun, startBunServer } from "../support/bun.js";
import { chromiumAvailable } from "../support/chromium.js";
import { seedPageTests } from "../support/seed-page-tests.js";

// The seed page served by Bun natively (examples/seed/server.bun.js: Bun.serve with Parley's
// Bun engine), in Chromium: the same visits as examples/seed/test, on the other runtime.
const SEED_SERVER = fileURLToPath(new URL("../../examples/seed/server.bun.js", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("../../test-results/seed-bun/", import.meta.url));

const canRun = chromiumAvailable("the seed page's browser tests on Bun");
const describe = describeBun();

describe.skipIf(!canRun)("the seed page in Chromium, served by Bun", () => {
  seedPageTests(() => startBunServer(SEED_SERVER), ARTIFACTS);
});
