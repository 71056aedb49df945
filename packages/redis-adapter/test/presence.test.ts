import type { ChildProcess } from "node:child_process";
import type { PresenceChange } from "@parley/server";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { bundleNode, type ChildNode, killed, startChildNode } from "./fixtures/processes.js";
import {
  closeClients,
  connect,
  describeRedis,
  FAST,
  type Node,
  REDIS_URL,
  startNode,
  uniqueKey,
  waitFor,
} from "./helpers.js";

// Presence across two servers on real Redis, one of them a child process killed with
// SIGKILL: its users must leave the survivor's presence list once the adapter's liveness
// declares it dead (heartbeatTimeout: FAST's 400 ms here, as the child's). The waits are
// bounded safety nets, never measurements.

describeRedis("presence across servers on Redis", () => {
  let bundle: { file: string; dispose(): void } | undefined;
  let survivor: Node | undefined;
  let victim: ChildProcess | undefined;

  beforeAll(async () => {
    bundle = await bundleNode();
  });
  afterAll(() => bundle?.dispose());

  afterEach(async () => {
    closeClients();
    await survivor?.close();
    if (victim !== undefined) await killed(victim);
  });

  it("lists users on both servers, and drops the killed server's users", async () => {
    const key = uniqueKey("presence");
    survivor = await startNode({ key });
    const io = survivor.io;
    io.use((socket, next) => {
      socket.data.user = socket.handshake.auth.user;
      next();
    });
    const presence = io.of("/").trackPresence({
      identify: (socket) => socket.data.user as string | undefined,
    });
    const changes: string[] = [];
    const record = (kind: string) => (c: PresenceChange) =>
      changes.push(`${kind} ${c.room} ${c.id}${c.reason === undefined ? "" : ` (${c.reason})`}`);
    presence.on("join", record("join"));
    presence.on("leave", record("leave"));
    io.on("connection", (socket) => void socket.join(socket.handshake.auth.room as string));

    const child: ChildNode = await startChildNode((bundle as { file: string }).file, {
      REDIS_URL,
      KEY: key,
      PRESENCE: "1",
    });
    victim = child.child;
    await waitFor(
      async () => (await survivor?.adapter().serverCount()) === 2,
      "the two servers to see each other",
    );

    await connect(survivor.url, "/", { auth: { user: "ada", room: "lobby" } });
    // bob with two tabs on the child, carol on the child, and ada's second tab there too.
    await connect(child.url, "/", { auth: { user: "bob", room: "lobby" } });
    await connect(child.url, "/", { auth: { user: "bob", room: "lobby" } });
    await connect(child.url, "/", { auth: { user: "carol", room: "lobby" } });
    await connect(child.url, "/", { auth: { user: "ada", room: "lobby" } });
    const lobby = () =>
      presence
        .members("lobby")
        .map((m) => m.id)
        .sort()
        .join();
    await waitFor(() => lobby() === "ada,bob,carol", "everyone in the survivor's list");
    expect(changes.filter((c) => c.startsWith("join")).sort()).toEqual([
      "join lobby ada",
      "join lobby bob",
      "join lobby carol",
    ]);

    await killed(child.child);
    // Within the liveness timeout (bounded here by a generous safety net).
    await waitFor(
      () => lobby() === "ada",
      "the killed server's users to leave",
      20 * FAST.heartbeatTimeout,
    );
    expect(changes.filter((c) => c.startsWith("leave")).sort()).toEqual([
      "leave lobby bob (server down)",
      "leave lobby carol (server down)",
    ]);
    // ada had a tab on each server: she stays, and never left.
    expect(presence.has("lobby", "ada")).toBe(true);
  });
});
