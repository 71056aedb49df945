// The `import` entry of @parley/server: the CommonJS build, re-exported, so that `import` and
// `require` share one copy of every class (see tsup.config.ts). The default export is the same
// callable factory as `require("@parley/server")`.
export * from "../dist/index.cjs";

import io from "../cjs/index.cjs";
export default io;
