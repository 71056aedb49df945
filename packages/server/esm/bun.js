// The `import` entry of @parley/server/bun: the CommonJS build, re-exported (see index.js).
export * from "../dist/engine/bun/index.cjs";
