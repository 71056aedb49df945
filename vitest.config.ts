import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

// test/upstream/.work/ holds Socket.IO's own test files, extracted at run time by
// test/upstream/run.mjs (mocha, not vitest): never collect them.
const upstreamScratch = "test/upstream/.work/**";

// Tests run against the TypeScript sources, so `npm test` needs no build step for in-process
// tests: every @parley/* import maps to src/. The map is tsconfig.base.json's `paths` (what
// TypeScript and esbuild use), turned into exact-match aliases, so the three never disagree.
// It lives in the repo's configs, not in the packages' `exports`, so nothing of it is published.
const root = fileURLToPath(new URL(".", import.meta.url));
const { compilerOptions } = JSON.parse(readFileSync(`${root}tsconfig.base.json`, "utf8")) as {
  compilerOptions: { paths: Record<string, [string]> };
};
const alias = Object.entries(compilerOptions.paths).map(([name, [target]]) => ({
  find: new RegExp(`^${name.replaceAll("/", "\\/")}$`),
  replacement: `${root}${target.replace(/^\.\//, "")}`,
}));

export default defineConfig({
  resolve: { alias },
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
