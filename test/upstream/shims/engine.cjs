// engine.io's top-level API (`Server`, `attach`, `listen`, `protocol`, …) as the engine.io
// tests import it from "..", over Parley's public `@parley/server/engine`.
//
// A name Parley exports itself is used as it is. A name it lacks is filled in here from
// `Engine`, with engine.io's documented behaviour, and each one is listed as an API gap in
// BASELINE.md ("runner shims"): when the engine grows the name, the shim stands aside. Nothing
// here changes what Parley's engine does with a request.
"use strict";

const http = require("node:http");
const parley = require("@parley/server/engine");

// engine.io serves "/engine.io/" by default; Parley's Engine serves "/socket.io/".
const ENGINE_IO_PATH = "/engine.io";

const Server =
  parley.Server ??
  class Server extends parley.Engine {
    constructor(opts = {}) {
      super(opts.path === undefined ? { ...opts, path: ENGINE_IO_PATH } : opts);
    }
  };

// engine.io: a new Server attached to `server` with the same options.
const attach =
  parley.attach ??
  function attach(server, options = {}) {
    const engine = new Server(options);
    engine.attach(server, options);
    return engine;
  };

// engine.io: an HTTP server answering 501 to everything else, kept as `engine.httpServer`.
const listen =
  parley.listen ??
  function listen(port, options, listenCallback) {
    if (typeof options === "function") {
      listenCallback = options;
      options = {};
    }
    const server = http.createServer((_req, res) => {
      res.writeHead(501);
      res.end("Not Implemented");
    });
    const engine = attach(server, options ?? {});
    engine.httpServer = server;
    server.listen(port, listenCallback);
    return engine;
  };

module.exports = {
  ...parley,
  Server,
  attach,
  listen,
  // The Engine.IO protocol revision: engine.io exports it as `protocol`.
  protocol: parley.protocol ?? 4,
};
