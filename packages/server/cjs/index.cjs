"use strict";
// The classic CommonJS form: `const io = require("@parley/server")(httpServer, opts)`.
// The package's `require` entry is this callable factory; every named export of the real
// build (`Server`, `Namespace`, …) is also a property of it, so `const { Server } = require(…)`
// works too.
const parley = require("../dist/index.cjs");

function io(srv, opts) {
  return new parley.Server(srv, opts);
}

for (const key of Object.keys(parley)) {
  if (key !== "default") io[key] = parley[key];
}
io.default = io;

module.exports = io;
