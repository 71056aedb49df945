// @socket.io/cluster-adapter hosted on Parley servers in node:cluster workers: the
// conformance suite on two workers with their own ports, then two workers behind
// @socket.io/sticky (polling clients, which need sticky sessions).
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterConformance } from "../support/adapter-conformance.js";
import { call, closeClients, collect, connect, waitFor } from "../support/app-clients.js";
import { bundleApp, type ClusterApp, startApp } from "../support/node-cluster.js";

const ENTRY = fileURLToPath(new URL("./fixtures/sio-cluster-app.ts", import.meta.url));
let bundle: Awaited<ReturnType<typeof bundleApp>> | undefined;
async function bundled(): Promise<string> {
  bundle ??= await bundleApp(ENTRY);
  return bundle.file;
}
afterAll(() => bundle?.dispose());

adapterConformance(
  "@socket.io/cluster-adapter hosted on Parley: two node:cluster workers",
  async () => {
    const app = await startApp(await bundled(), { MODE: "direct" });
    const [w0, w1] = app.workers as [(typeof app.workers)[0], (typeof app.workers)[0]];
    return {
      servers: [
        { name: `w${w0.id}`, url: w0.url },
        { name: `w${w1.id}`, url: w1.url },
      ],
      stop: () => app.stop(),
    };
  },
  { describe },
);

describe("@socket.io/cluster-adapter hosted on Parley behind @socket.io/sticky", () => {
  let app: ClusterApp;

  beforeAll(async () => {
    app = await startApp(await bundled(), { MODE: "sticky" });
  }, 30_000);

  afterAll(async () => {
    closeClients();
    await app?.stop();
  });

  it("polling clients on both workers: broadcasts and fetchSockets cross workers", async () => {
    const url = app.url as string;
    const a = await connect(url, { transports: ["polling"], rooms: ["r"] });
    await waitFor(async () => (await call<number>(a.socket, "serverCount")) === 2, "2 workers");
    // Round robin: the next connection lands on the other worker.
    const b = await connect(url, { transports: ["polling"], rooms: ["r"], kind: "parley" });
    expect(a.server).not.toBe(b.server);
    const got = [collect(a.socket, "m"), collect(b.socket, "m")];
    await call(b.socket, "emit", { event: "m", args: ["hi"], rooms: ["r"] });
    await waitFor(() => got.every((g) => g.length === 1), "the broadcast on both workers");
    const found = await call<{ data: { server: string } }[]>(a.socket, "fetchSockets", {
      rooms: ["r"],
    });
    expect(found.map((s) => s.data.server).sort()).toEqual([a.server, b.server].sort());
    expect(await call(a.socket, "serverSideEmitWithAck", { event: "whoami" })).toEqual([b.server]);
  });
});
