// The `import` entry of @parley/server/adapter: the CommonJS build, re-exported (see index.js).
export * from "../dist/adapter/index.cjs";
