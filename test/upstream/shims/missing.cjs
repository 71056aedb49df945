// Stands in for a socket.io/engine.io internal module that Parley has no counterpart for
// (`build/parser-v3`, `build/cjs/url`, …). Loading it succeeds, so the rest of the file still
// runs; any use throws, so exactly the tests that reach into that internal fail, each with a
// message that says why.
"use strict";

module.exports = function missing(name) {
  const fail = () => {
    throw new Error(`${name} is a socket.io internal with no Parley counterpart (runner stub)`);
  };
  return new Proxy(() => {}, {
    get(_target, prop) {
      // Asked by module interop helpers and by `await`: answer as a plain CommonJS object.
      if (prop === "__esModule" || prop === "then" || typeof prop === "symbol") return undefined;
      return fail();
    },
    apply: fail,
    construct: fail,
  });
};
