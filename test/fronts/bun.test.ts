// The front conformance suite against the Bun front (Bun.serve + Bun's native WebSocket): the
// same fixture app as the Node file, run by the `bun` binary as a child process.
import { fileURLToPath } from "node:url";
import { describeBun, startBunServer } from "../support/bun.js";
import { frontConformance, parseEvents } from "../support/front-conformance.js";

const APP = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));

describeBun()("Parley on Bun", () => {
  frontConformance(
    "Bun",
    async (options) => {
      const child = await startBunServer(APP, { PARLEY_FRONT: JSON.stringify(options) });
      if (!child.output().includes("(bun)")) throw new Error(`not on Bun:\n${child.output()}`);
      return {
        url: child.url,
        port: child.port,
        events: () => parseEvents(child.output()),
        close: () => child.kill(),
      };
    },
    {
      // docs/ROADMAP.md, "Bun, what is left": the session relay throws on Bun (not built).
      "session relay: a session opened on one server carries on through the other": {
        skip: "the session relay is not supported on Bun yet (documented)",
      },
      // Bun's ServerWebSocket.close() always sends a status (1000 by default): documented in
      // docs/ROADMAP.md, Known gaps. Clients treat 1000 and 1005 alike.
      "the server closing a WebSocket session: a close frame without a status (1005)": {
        skip: "Bun cannot send a close frame without a status; it sends 1000",
      },
      // Bun sends the peer 1009 but calls the server's close handler with 1006 ("Received too
      // big message"); engine/bun/websocket.ts onClose tests for 1009 only, so the session
      // ends as "transport close", not "transport error" as on Node (and engine.io + ws).
      "maxHttpBufferSize on WebSocket: close 1009, that session ends": {
        fails: "an oversized message ends the session with transport close",
      },
    },
  );
});
