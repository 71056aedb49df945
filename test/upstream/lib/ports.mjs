// A port free on 127.0.0.1 right now, for the suites that hard-code one (3000, 3210): other
// work on this machine may hold those, and a clash would fail tests for no reason of Parley's.

import { createServer } from "node:net";

/** @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
