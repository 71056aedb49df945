import { fileURLToPath } from "node:url";
import { describe } from "vitest";
import { chromiumAvailable } from "../../../test/support/chromium.js";
import { seedPageTests } from "../../../test/support/seed-page-tests.js";
import { startServer } from "../../../test/support/server-process.js";

const SEED_SERVER = fileURLToPath(new URL("../server.js", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("../../../test-results/seed/", import.meta.url));

const canRun = chromiumAvailable("the seed page's browser tests");

describe.skipIf(!canRun)("the seed page in Chromium", () => {
  seedPageTests(() => startServer(SEED_SERVER), ARTIFACTS);
});
