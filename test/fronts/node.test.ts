// The front conformance suite against the Node front (node:http + ws): the fixture app run by
// this Node as a child process, against the BUILT @parley/server, as on Bun.
import { fileURLToPath } from "node:url";
import { frontConformance, parseEvents } from "../support/front-conformance.js";
import { startServer } from "../support/server-process.js";

const APP = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));

frontConformance("Node", async (options) => {
  const child = await startServer(APP, { PARLEY_FRONT: JSON.stringify(options) });
  if (!child.output().includes("(node)")) throw new Error(`not on Node:\n${child.output()}`);
  return {
    url: child.url,
    port: child.port,
    events: () => parseEvents(child.output()),
    close: () => child.kill(),
  };
});
