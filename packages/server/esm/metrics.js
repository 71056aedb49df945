// The `import` entry of @parley/server/metrics: the CommonJS build, re-exported (see index.js).
export * from "../dist/metrics/index.cjs";
