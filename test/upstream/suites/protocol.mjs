// The two black-box protocol suites (Engine.IO v4, Socket.IO v5; Engine.IO v3 on request):
// their test-suite.js runs against a server on a port, which run.mjs starts.

import { join } from "node:path";
import { freePort } from "../lib/ports.mjs";
import { replaceExact } from "../lib/rewrite.mjs";
import { HERE } from "../lib/scratch.mjs";
import { extract } from "../lib/source.mjs";

/**
 * @param {{ name: string, title: string, prefix: string, server: string, env?: object,
 *   raceFixes?: [string, string][] }} spec
 */
function protocolSuite(spec) {
  return {
    name: spec.name,
    title: spec.title,
    timeoutMs: 5 * 60_000,
    /** @param {import("../run.mjs").SuiteContext} ctx */
    async setup(ctx) {
      const missing = extract(ctx.source, spec.prefix, ctx.dir);
      const port = await freePort();
      // The suite hard-codes http://localhost:3000; the port may be taken on a shared machine,
      // and 127.0.0.1 keeps every request on the loopback address the server is bound to.
      replaceExact(
        ctx.dir,
        "test-suite.js",
        'const URL = "http://localhost:3000";',
        `const URL = "http://127.0.0.1:${port}";`,
        1,
      );
      for (const [from, to] of spec.raceFixes ?? [])
        replaceExact(ctx.dir, "test-suite.js", from, to, 1);
      return {
        missing,
        files: ["test-suite.js"],
        args: [],
        server: {
          script: join(HERE, "servers", spec.server),
          env: { UPSTREAM_PORT: String(port), ...spec.env },
        },
      };
    },
  };
}

export const eioProtocol = protocolSuite({
  name: "eio-protocol",
  title: "Engine.IO v4 protocol suite",
  prefix: "docs/engine.io-protocol/v4-test-suite",
  server: "eio-protocol.mjs",
});

export const sioProtocol = protocolSuite({
  name: "sio-protocol",
  title: "Socket.IO v5 protocol suite",
  prefix: "docs/socket.io-protocol/v5-test-suite",
  server: "sio-protocol.mjs",
});

export const eio3Protocol = protocolSuite({
  name: "eio3-protocol",
  title: "Engine.IO v3 protocol suite (optional)",
  prefix: "docs/engine.io-protocol/v3-test-suite",
  server: "eio-protocol.mjs",
  env: { UPSTREAM_EIO3: "1" },
  // The v3 suite listens for the handshake message only once `open` has fired; a server that
  // writes the open packet with the 101 response (Parley corks them into one TCP segment) has
  // it delivered in the same tick as `open`, before that listener exists. The v4 suite fixed
  // this race upstream by buffering events (its createWebSocket); here both listeners are
  // attached before `open`, which changes nothing for a server that writes them apart.
  raceFixes: [
    [
      'await waitFor(socket, "open");\n\n        await waitFor(socket, "message"); // handshake',
      'await Promise.all([waitFor(socket, "open"), waitFor(socket, "message")]); // handshake',
    ],
  ],
});
