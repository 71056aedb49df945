import { afterEach, describe, expect, it } from "vitest";
import type { PresenceChange, Server, Socket } from "../src/index.js";
import { busAdapter, type Harness, startServer, until } from "./helpers.js";

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

type User = { name: string; color: string };

/**
 * A server whose sockets say who they are in `auth.user` (a middleware copies it to
 * `socket.data`, as an app's login would) and join the rooms in `auth.rooms`.
 */
async function serve(opts: Parameters<typeof startServer>[0] = {}) {
  const h = await startServer(opts);
  harnesses.push(h);
  h.io.use((socket, next) => {
    const user = socket.handshake.auth.user as User | undefined;
    if (user !== undefined) socket.data.user = user;
    next();
  });
  const presence = h.io.of("/").trackPresence<User>({
    identify: (socket: Socket) => {
      const user = socket.data.user as User | undefined;
      return user === undefined ? undefined : { id: user.name, info: user };
    },
    rooms: (room) => !room.startsWith("private:"),
  });
  const changes: string[] = [];
  const record = (kind: string) => (c: PresenceChange<User>) =>
    changes.push(`${kind} ${c.room} ${c.id}${c.reason === undefined ? "" : ` (${c.reason})`}`);
  presence.on("join", record("join"));
  presence.on("leave", record("leave"));
  h.io.on("connection", (socket) => {
    for (const room of (socket.handshake.auth.rooms as string[] | undefined) ?? []) {
      void socket.join(room);
    }
    socket.on("leave", (room: string) => void socket.leave(room));
  });
  return { h, presence, changes };
}

function connectAs(h: Harness, name: string | undefined, rooms: string[]) {
  const auth: Record<string, unknown> = { rooms };
  if (name !== undefined) auth.user = { name, color: `#${name.length}` };
  return h.client("/", { auth });
}

const names = (members: { id: string }[]) => members.map((m) => m.id).sort();

describe("presence on one server", () => {
  it("lists each identity once, however many tabs, with the info identify gave", async () => {
    const { h, presence, changes } = await serve();
    const ada1 = connectAs(h, "ada", ["lobby"]);
    const ada2 = connectAs(h, "ada", ["lobby", "dev"]);
    connectAs(h, "bob", ["lobby", "private:bob"]);
    connectAs(h, undefined, ["lobby"]); // anonymous: not tracked
    await until(() => names(presence.members("lobby")).join() === "ada,bob", "ada and bob");
    await until(() => presence.members("dev").length === 1, "ada in dev");
    expect(
      h.io
        .of("/")
        .presence("lobby")
        .find((m) => m.id === "ada")?.info,
    ).toEqual({
      name: "ada",
      color: "#3",
    });
    // Untracked rooms (the filter) and sockets' own rooms are never listed.
    expect(presence.rooms().sort()).toEqual(["dev", "lobby"]);
    expect(changes.filter((c) => c.startsWith("join lobby")).sort()).toEqual([
      "join lobby ada",
      "join lobby bob",
    ]);

    // One of ada's tabs closes: she is still there (her other tab), and no leave fires.
    ada1.disconnect();
    await until(() => h.io.of("/").sockets.size === 3, "the tab to go");
    expect(names(presence.members("lobby"))).toEqual(["ada", "bob"]);
    expect(changes.some((c) => c.startsWith("leave"))).toBe(false);

    // Her last tab leaves a room, then disconnects: one leave per room.
    ada2.emit("leave", "dev");
    await until(() => changes.includes("leave dev ada (left)"), "ada to leave dev");
    ada2.disconnect();
    await until(() => changes.includes("leave lobby ada (left)"), "ada to leave the lobby");
    expect(names(presence.members("lobby"))).toEqual(["bob"]);
    expect(presence.has("lobby", "ada")).toBe(false);
    expect(changes.filter((c) => c === "leave lobby ada (left)")).toHaveLength(1);
  });

  it("refuses a second tracker, and presence() without one", async () => {
    const { h } = await serve();
    expect(() => h.io.of("/").trackPresence({ identify: () => "x" })).toThrow(/already/);
    expect(() => h.io.of("/other").presence("lobby")).toThrow(/trackPresence/);
    expect(() => h.io.of("/third").trackPresence({} as never)).toThrow(TypeError);
  });

  it("reports an identify that throws to handler_error, and tracks the others", async () => {
    const h = await startServer();
    harnesses.push(h);
    const reported: string[] = [];
    h.io.on("handler_error", (_err, _socket, event) => reported.push(event));
    const presence = h.io.of("/").trackPresence({
      identify: (socket: Socket) => {
        if (socket.handshake.auth.bad === true) throw new Error("identify bug");
        return socket.handshake.auth.name as string;
      },
    });
    h.io.on("connection", (socket) => void socket.join("room"));
    h.client("/", { auth: { bad: true } });
    h.client("/", { auth: { name: "eve" } });
    await until(() => presence.members("room").length === 1 && reported.length === 1, "both");
    expect(reported).toEqual(["presence identify"]);
  });
});

describe("presence messages between servers", () => {
  it("are reserved: an app cannot serverSideEmit them, and malformed ones are dropped", async () => {
    const Bus = busAdapter();
    const a = await serve({ adapter: Bus });
    const b = await serve({ adapter: Bus });
    expect(() => a.h.io.serverSideEmit("parley:presence", {})).toThrow(/reserved/);
    const heard: unknown[] = [];
    b.h.io.on("parley:presence", (...args: unknown[]) => heard.push(args));
    // What a foreign or broken server might send: none of it may throw or list anyone.
    for (const junk of [
      null,
      "x",
      { t: "join", from: "s" },
      { t: "join", from: "s", room: 1, id: "x" },
      { t: "snapshot", from: "s", rooms: [["lobby", [[1, "x"]]]] },
      { t: "snapshot", from: "s", rooms: "lobby" },
      { t: "other", from: "s" },
    ]) {
      b.h.io.of("/")._onServerSideEmit(["parley:presence", junk]);
    }
    expect(b.presence.rooms()).toEqual([]);
    expect(b.changes).toEqual([]);
    // A real one from a (made-up) server is applied, and never reaches app listeners.
    b.h.io
      .of("/")
      ._onServerSideEmit([
        "parley:presence",
        { t: "join", from: "s", room: "lobby", id: "zoe", info: { name: "zoe" } },
      ]);
    expect(b.presence.members("lobby")).toEqual([{ id: "zoe", info: { name: "zoe" } }]);
    expect(b.changes).toEqual(["join lobby zoe"]);
    expect(heard).toEqual([]);
  });
});

describe("presence across servers (in-process cluster adapter)", () => {
  it("merges every server's members, and drops a server's members when it goes", async () => {
    const Bus = busAdapter();
    const a = await serve({ adapter: Bus });
    const b = await serve({ adapter: Bus });
    connectAs(a.h, "ada", ["lobby"]);
    connectAs(b.h, "bob", ["lobby"]);
    connectAs(b.h, "ada", ["lobby"]); // ada's second tab, on the other server
    for (const side of [a, b]) {
      await until(() => names(side.presence.members("lobby")).join() === "ada,bob", "both");
    }
    // Each server fires one join per identity, wherever its sockets are.
    for (const side of [a, b]) {
      expect(side.changes.filter((c) => c.startsWith("join lobby")).sort()).toEqual([
        "join lobby ada",
        "join lobby bob",
      ]);
    }
    // A late server learns what is there from the others' snapshots; its adapter is set
    // after trackPresence (io.adapter()), which presence follows.
    const c = await serve();
    c.h.io.adapter(Bus);
    await until(() => names(c.presence.members("lobby")).join() === "ada,bob", "the snapshot");

    // Server b closes (its sockets disconnect first): bob leaves everywhere, once; ada
    // stays (her tab on a). A server that dies instead is the Redis test's (SIGKILL).
    await b.h.close();
    harnesses.splice(harnesses.indexOf(b.h), 1);
    for (const side of [a, c]) {
      await until(() => side.changes.some((x) => x.startsWith("leave lobby bob")), "bob to go");
      expect(side.changes.filter((x) => x.startsWith("leave lobby bob"))).toHaveLength(1);
      expect(names(side.presence.members("lobby"))).toEqual(["ada"]);
      expect(side.changes.some((x) => x.startsWith("leave lobby ada"))).toBe(false);
    }
  });
});

/** Keeps the type import used when only types are referenced. */
export type _Server = Server;
