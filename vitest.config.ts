import { configDefaults, defineConfig } from "vitest/config";

// test/upstream/.work/ holds Socket.IO's own test files, extracted at run time by
// test/upstream/run.mjs (mocha, not vitest): never collect them.
const upstreamScratch = "test/upstream/.work/**";

// Tests run against the TypeScript sources: the "source" export condition maps every
// @parley/* import to src/, so `npm test` needs no build step for in-process tests.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
    ],
    exclude: [...configDefaults.exclude, upstreamScratch],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    typecheck: {
      enabled: true,
      include: ["packages/*/test/**/*.test-d.ts", "test/**/*.test-d.ts"],
      exclude: [...configDefaults.typecheck.exclude, upstreamScratch],
      tsconfig: "./tsconfig.test.json",
    },
  },
});
