// @socket.io/cluster-adapter hosted on Parley servers in node:cluster workers: the
// conformance suite on two workers with their own ports, then two workers behind
// @socket.io/sticky (polling clients, which need sticky sessions).
import { fileURLToPath } from "node:url";
import { io as parleyIo } from "@parley/client";
import { io as officialIo } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterConformance } from "../support/adapter-conformance.js";
import {
  type ClientKind,
  call,
  collect,
  type TestClient,
  waitFor,
  within,
} from "../support/app-clients.js";
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

/**
 * A polling client through @socket.io/sticky, with `reconnection` on as a real client has it.
 * Sticky's primary learns a session's worker from an IPC message the worker sends on the
 * engine's "connection" event, after the handshake answer has left (engine.io's order, and
 * Parley's): under load the client's next request can reach the primary first and go to the
 * other worker, 400 "Session ID unknown", and the client reconnects with a new session
 * (socketio/socket.io-sticky#2, the same with a socket.io server; docs/ECOSYSTEM.md). A
 * session lost for any other reason fails every attempt and runs out of `within`'s bound; one
 * lost after the greeting is in `lostSessions` (a reconnection must not hide it).
 */
async function stickyClient(
  url: string,
  kind: ClientKind,
  rooms: string[],
): Promise<{ socket: TestClient; server: string }> {
  const options = {
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    transports: ["polling" as const],
    auth: { rooms },
  };
  const socket = (kind === "parley"
    ? parleyIo(url, options)
    : officialIo(url, options)) as unknown as TestClient;
  stickyClients.add(socket);
  // Printed, not asserted: how often the race was lost.
  socket.on("connect_error", (err: Error & { description?: unknown }) =>
    console.log(`${kind} client through sticky: ${err.message} (${String(err.description)})`),
  );
  const server = await within(
    new Promise<string>((resolve) => socket.once("welcome", (name: string) => resolve(name))),
    `connecting to ${url} through sticky`,
  );
  socket.on("disconnect", (reason: string) => {
    if (reason !== "io client disconnect") lostSessions.push(`${kind} on ${server}: ${reason}`);
  });
  return { socket, server };
}

const stickyClients = new Set<TestClient>();
const lostSessions: string[] = [];

describe("@socket.io/cluster-adapter hosted on Parley behind @socket.io/sticky", () => {
  let app: ClusterApp;

  beforeAll(async () => {
    app = await startApp(await bundled(), { MODE: "sticky" });
  }, 30_000);

  afterAll(async () => {
    for (const s of stickyClients) s.disconnect();
    stickyClients.clear();
    await app?.stop();
  });

  it("polling clients on both workers: broadcasts and fetchSockets cross workers", async () => {
    const url = app.url as string;
    const a = await stickyClient(url, "official", ["r"]);
    await waitFor(async () => (await call<number>(a.socket, "serverCount")) === 2, "2 workers");
    const inRoom = async () =>
      (await call<{ data: { server: string } }[]>(a.socket, "fetchSockets", { rooms: ["r"] }))
        .map((s) => s.data.server)
        .sort();
    // Round robin puts the next connection on the other worker, unless a lost race (above)
    // spent a turn: then it is dropped, and gone from the room, before the next try.
    let b = await stickyClient(url, "parley", ["r"]);
    for (let i = 0; i < 4 && b.server === a.server; i++) {
      b.socket.disconnect();
      await waitFor(async () => (await inRoom()).length === 1, "the client dropped");
      b = await stickyClient(url, "parley", ["r"]);
    }
    expect(a.server).not.toBe(b.server);
    const got = [collect(a.socket, "m"), collect(b.socket, "m")];
    await call(b.socket, "emit", { event: "m", args: ["hi"], rooms: ["r"] });
    await waitFor(() => got.every((g) => g.length === 1), "the broadcast on both workers");
    expect(await inRoom()).toEqual([a.server, b.server].sort());
    expect(await call(a.socket, "serverSideEmitWithAck", { event: "whoami" })).toEqual([b.server]);
    expect(lostSessions).toEqual([]);
  });
});
