// The `import` entry of @parley/server/engine: the CommonJS build, re-exported (see index.js).
export * from "../dist/engine/index.cjs";
