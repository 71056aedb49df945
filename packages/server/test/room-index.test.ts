import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AdapterNamespace, AdapterSocket } from "../src/adapter/adapter.js";
import { InMemoryAdapter } from "../src/adapter/in-memory-adapter.js";

// The in-memory adapter stores no Set for a socket's own room until something reads it
// (`RoomIndex`). What user code sees must stay socket.io-adapter's: checked here against a
// model that is socket.io-adapter's bookkeeping itself (two Maps of Sets), over random
// sequences of joins, leaves, disconnects and reads, with socket ids that are also room names.

/** socket.io-adapter's `addAll`/`del`/`delAll`, and the room events it emits. */
class Model {
  readonly rooms = new Map<string, Set<string>>();
  readonly sids = new Map<string, Set<string>>();
  readonly events: string[] = [];

  addAll(id: string, rooms: Set<string>): void {
    if (!this.sids.has(id)) this.sids.set(id, new Set());
    for (const room of rooms) {
      this.sids.get(id)?.add(room);
      if (!this.rooms.has(room)) {
        this.rooms.set(room, new Set());
        this.events.push(`create:${room}`);
      }
      if (!this.rooms.get(room)?.has(id)) {
        this.rooms.get(room)?.add(id);
        this.events.push(`join:${room}:${id}`);
      }
    }
  }

  del(id: string, room: string): void {
    this.sids.get(id)?.delete(room);
    this.#del(room, id);
  }

  delAll(id: string): void {
    const rooms = this.sids.get(id);
    if (rooms === undefined) return;
    for (const room of rooms) this.#del(room, id);
    this.sids.delete(id);
  }

  #del(room: string, id: string): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    if (members.delete(id)) this.events.push(`leave:${room}:${id}`);
    if (members.size === 0 && this.rooms.delete(room)) this.events.push(`delete:${room}`);
  }
}

/**
 * A namespace whose sockets are bare ids: bookkeeping needs no socket, and `adapter.sockets()`
 * (a broadcast's walk over members) only reads their ids. With `holders`, each can hold the
 * adapter's own-room mark as Parley's sockets do (`OwnRoomHolder`: no `sids` entry for them).
 */
function namespace(holders = false): AdapterNamespace {
  const sockets = new Map<string, AdapterSocket>();
  for (const id of ["a", "b", "c"]) {
    const socket = holders ? { id, _ownRoomOnly: false } : { id };
    sockets.set(id, socket as unknown as AdapterSocket);
  }
  return {
    name: "/",
    sockets,
    _nextAckId: () => 0,
    _onServerSideEmit: () => {},
  };
}

/** A Map of Sets as sorted plain data, read through the Map API user code uses. */
function plain(map: Map<string, Set<string>>): [string, string[]][] {
  return [...map].map(([k, v]): [string, string[]] => [k, [...v].sort()]).sort();
}

const ID = fc.constantFrom("a", "b", "c");
const ROOM = fc.constantFrom("a", "b", "c", "x", "y");
const OP = fc.oneof(
  fc.record({ op: fc.constant("join" as const), id: ID, rooms: fc.uniqueArray(ROOM) }),
  fc.record({ op: fc.constant("leave" as const), id: ID, room: ROOM }),
  fc.record({ op: fc.constant("drop" as const), id: ID }),
  fc.record({ op: fc.constant("readSids" as const), id: ID }),
  fc.record({ op: fc.constant("readRoom" as const), room: ROOM }),
);

describe("in-memory adapter room bookkeeping (own rooms stored on read)", () => {
  it.each([
    ["stored marks", false],
    ["marks held by the sockets", true],
  ])(
    "reads as socket.io-adapter's two Maps, with the same room events (%s)",
    async (_, holders) => {
      await fc.assert(
        fc.asyncProperty(fc.array(OP, { maxLength: 40 }), async (ops) => {
          const model = new Model();
          const adapter = new InMemoryAdapter(namespace(holders));
          const events: string[] = [];
          adapter.on("create-room", (r) => events.push(`create:${r}`));
          adapter.on("join-room", (r, id) => events.push(`join:${r}:${id}`));
          adapter.on("leave-room", (r, id) => events.push(`leave:${r}:${id}`));
          adapter.on("delete-room", (r) => events.push(`delete:${r}`));
          for (const step of ops) {
            if (step.op === "join") {
              model.addAll(step.id, new Set(step.rooms));
              adapter.addAll(step.id, new Set(step.rooms));
            } else if (step.op === "leave") {
              model.del(step.id, step.room);
              adapter.del(step.id, step.room);
            } else if (step.op === "drop") {
              model.delAll(step.id);
              adapter.delAll(step.id);
            } else if (step.op === "readSids") {
              // A read stores the own room's Set: later steps run on the stored form.
              expect(adapter.socketRooms(step.id)).toEqual(model.sids.get(step.id));
            } else {
              expect(adapter.rooms.get(step.room)).toEqual(model.rooms.get(step.room));
            }
            expect(plain(adapter.rooms)).toEqual(plain(model.rooms));
            expect(plain(adapter.sids)).toEqual(plain(model.sids));
            expect(adapter.rooms.size).toBe(model.rooms.size);
            expect(adapter.sids.size).toBe(model.sids.size);
            expect([...adapter.rooms.keys()].sort()).toEqual([...model.rooms.keys()].sort());
            expect([...adapter.sids.keys()].sort()).toEqual([...model.sids.keys()].sort());
            for (const id of ["a", "b", "c"]) expect(adapter.sids.has(id)).toBe(model.sids.has(id));
            for (const room of ["a", "b", "c", "x", "y"]) {
              expect(adapter.rooms.has(room)).toBe(model.rooms.has(room));
              const members = await adapter.sockets(new Set([room]));
              expect([...members].sort()).toEqual([...(model.rooms.get(room) ?? [])].sort());
            }
          }
          expect(events).toEqual(model.events);
        }),
        { numRuns: 300 },
      );
    },
  );

  it("keeps what a read returned live: socket.rooms read before a join has the new room", () => {
    const adapter = new InMemoryAdapter(namespace());
    adapter.addAll("s1", new Set(["s1"]));
    const rooms = adapter.sids.get("s1");
    const own = adapter.rooms.get("s1");
    expect(rooms).toEqual(new Set(["s1"]));
    expect(adapter.sids.get("s1")).toBe(rooms);
    adapter.addAll("s1", new Set(["r"]));
    expect(rooms).toEqual(new Set(["s1", "r"]));
    // Another socket joining a room named after s1 joins the same (stored) room.
    adapter.addAll("s2", new Set(["s2", "s1"]));
    expect(own).toEqual(new Set(["s1", "s2"]));
    expect(adapter.rooms.get("s1")).toBe(own);
  });

  it("stores no Set for an idle socket's own room, and iterating hands out a fresh one", () => {
    const adapter = new InMemoryAdapter(namespace());
    adapter.addAll("s1", new Set(["s1"]));
    // The Maps' own storage (what the Map API would hold without RoomIndex): no own room.
    const stored = (map: Map<string, unknown>, key: string) => Map.prototype.get.call(map, key);
    expect(stored(adapter.rooms, "s1")).toBeUndefined();
    expect((stored(adapter.sids, "s1") as Set<string>).has("s1")).toBe(false);
    const [[room, members]] = [...adapter.rooms] as [[string, Set<string>]];
    expect(room).toBe("s1");
    members.add("intruder");
    expect(stored(adapter.rooms, "s1")).toBeUndefined();
    expect(adapter.rooms.get("s1")).toEqual(new Set(["s1"]));
    expect(stored(adapter.rooms, "s1")).toEqual(new Set(["s1"]));
  });

  it("keeps no sids entry for an idle socket its namespace holds: the mark is on the socket", async () => {
    const nsp = namespace(true);
    const adapter = new InMemoryAdapter(nsp);
    const socket = nsp.sockets.get("a") as unknown as { _ownRoomOnly: boolean };
    adapter.addAll("a", new Set(["a"]));
    const stored = (key: string) => Map.prototype.has.call(adapter.sids, key);
    expect(stored("a")).toBe(false);
    expect(socket._ownRoomOnly).toBe(true);
    expect(adapter.sids.has("a")).toBe(true);
    expect(adapter.sids.size).toBe(1);
    expect([...adapter.sids]).toEqual([["a", new Set(["a"])]]);
    expect([...(await adapter.sockets(new Set()))]).toEqual(["a"]);
    expect([...(await adapter.sockets(new Set(["a"])))]).toEqual(["a"]);
    // A read stores its Set (kept live) and takes the mark off.
    const rooms = adapter.sids.get("a");
    expect(rooms).toEqual(new Set(["a"]));
    expect(stored("a")).toBe(true);
    expect(socket._ownRoomOnly).toBe(false);
    expect(adapter.sids.get("a")).toBe(rooms);
    adapter.delAll("a");
    expect(adapter.sids.size).toBe(0);
    // Marked again, then gone with the socket: no mark left behind.
    adapter.addAll("a", new Set(["a"]));
    expect(socket._ownRoomOnly).toBe(true);
    adapter.delAll("a");
    expect(socket._ownRoomOnly).toBe(false);
    expect(adapter.sids.has("a")).toBe(false);
    expect(adapter.sids.size).toBe(0);
  });
});
