// The `import` entry of @parley/server/dashboard: the CommonJS build, re-exported (see index.js).
export * from "../dist/dashboard/index.cjs";
