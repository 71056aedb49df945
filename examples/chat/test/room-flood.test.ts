import { io as connect, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningChat, startChatServer } from "../src/chat-server.js";
import type {
  ClientToServerEvents,
  JoinedRoom,
  Result,
  RoomDelta,
  ServerToClientEvents,
} from "../src/events.js";
import { MemoryHistoryStore } from "../src/history/memory-store.js";
import { LIMITS } from "../src/validation.js";

// The room flood (issue 14, item 6): clients creating and leaving new rooms as fast as they
// can. Rooms must stay bounded (per client and in total, with a clear error), be forgotten
// once empty, and the room list must travel as small deltas, not the whole list per change.

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const clients: ClientSocket[] = [];
let chat: RunningChat | undefined;

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await chat?.close();
  chat = undefined;
});

async function start(): Promise<RunningChat> {
  chat = await startChatServer({
    port: 0,
    host: "127.0.0.1",
    store: new MemoryHistoryStore(),
    keyPrefix: "flood-test:",
    messageBurst: 50,
    messagesPerSecond: 1,
    publicDir: "/nonexistent",
    bundleDir: "/nonexistent",
    log: () => {},
  });
  return chat;
}

async function client(c: RunningChat, nick: string): Promise<ClientSocket> {
  const socket: ClientSocket = connect(`http://127.0.0.1:${c.port}`, {
    auth: { nick },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return socket;
}

function join(socket: ClientSocket, room: string): Promise<Result<JoinedRoom>> {
  return socket.timeout(5_000).emitWithAck("room:join", room);
}

function leave(socket: ClientSocket, room: string): Promise<Result<null>> {
  return socket.timeout(5_000).emitWithAck("room:leave", room);
}

/** Rooms the server has open now (its adapter's rooms, sockets' own rooms left out). */
function openRooms(c: RunningChat): number {
  const nsp = c.io.of("/");
  let n = 0;
  for (const room of nsp.adapter.rooms.keys()) if (!nsp.sockets.has(room)) n++;
  return n;
}

async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("room flood", () => {
  it("keeps rooms bounded and forgotten, and room-list updates small", async () => {
    const c = await start();
    const observer = await client(c, "watcher");
    const deltas: number[] = [];
    const seen: RoomDelta[] = [];
    observer.on("room:delta", (delta: RoomDelta) => {
      deltas.push(JSON.stringify(delta).length);
      seen.push(delta);
    });
    const flooders = await Promise.all([0, 1, 2, 3].map((i) => client(c, `flood${i}`)));

    let maxOpen = 0;
    const flood = (rounds: number, tag: string) =>
      Promise.all(
        flooders.map(async (socket, i) => {
          for (let n = 0; n < rounds; n++) {
            const room = `f${tag}${i}-${n}`;
            expect((await join(socket, room)).ok).toBe(true);
            maxOpen = Math.max(maxOpen, openRooms(c));
            expect((await leave(socket, room)).ok).toBe(true);
          }
        }),
      );
    // A first wave warms up (JIT, buffers, the clients' own state), so that the RSS after
    // the second one shows what the rooms cost, not what starting costs.
    await flood(100, "w");
    const rssBefore = process.memoryUsage().rss;
    const ROUNDS = 300;
    await flood(ROUNDS, "");
    // 1600 rooms made and left: at most one per flooder was open at a time.
    expect(maxOpen).toBeLessThanOrEqual(flooders.length);
    // Once the list is updated, only the default rooms are left, and the store forgot the rest.
    await until(async () => c.io.of("/").adapter.rooms.size === 5, "the sockets' own rooms only");
    const list = await observer.timeout(5_000).emitWithAck("room:list");
    await until(async () => {
      const now = await observer.timeout(5_000).emitWithAck("room:list");
      return now.ok && now.value.length === 2;
    }, "the flood's rooms to be forgotten");
    expect(list.ok).toBe(true);
    // A room appears, then goes once empty: two small deltas, each naming just that room.
    const [first] = flooders as [ClientSocket];
    expect((await join(first, "after-flood")).ok).toBe(true);
    await until(() => seen.some((d) => d.upserted.some((r) => r.name === "after-flood")), "added");
    expect((await leave(first, "after-flood")).ok).toBe(true);
    await until(() => seen.some((d) => d.removed.includes("after-flood")), "removed");
    // Every update is a delta of a few rooms, never the whole list (2.9 MB before the fix).
    const biggest = Math.max(...deltas);
    const total = deltas.reduce((a, b) => a + b, 0);
    expect(biggest).toBeLessThan(LIMITS.roomsTotal * 64);
    const rssGrowth = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.info(
      `room flood: ${flooders.length * (ROUNDS + 100)} rooms made and left, at most ${maxOpen} open at ` +
        `once; ${deltas.length} deltas to the observer, biggest ${biggest} B, ${total} B in all; ` +
        `RSS ${rssGrowth >= 0 ? "+" : ""}${rssGrowth.toFixed(1)} MiB over the last ${flooders.length * ROUNDS} (test process, clients included)`,
    );
    // A bound with a wide margin, not a measurement: 60k rooms once cost +57 MiB.
    expect(rssGrowth).toBeLessThan(32);
  });

  it("refuses rooms past the per-client and the total limits, with a clear error", async () => {
    const c = await start();
    const first = await client(c, "ada");
    for (let n = 0; n < LIMITS.roomsPerSocket; n++) {
      expect((await join(first, `a-${n}`)).ok).toBe(true);
    }
    expect(await join(first, "one-too-many")).toMatchObject({
      ok: false,
      error: { code: "TOO_MANY_ROOMS" },
    });
    // Enough people to fill the chat: rooms past the total are refused for everyone.
    const people = Math.ceil(LIMITS.roomsTotal / LIMITS.roomsPerSocket) + 1;
    const others = await Promise.all(Array.from({ length: people }, (_, i) => client(c, `p${i}`)));
    let full: Result<JoinedRoom> | undefined;
    for (const [i, socket] of others.entries()) {
      for (let n = 0; n < LIMITS.roomsPerSocket && full === undefined; n++) {
        const res = await join(socket, `p${i}-${n}`);
        if (!res.ok) full = res;
      }
    }
    expect(full).toMatchObject({ ok: false, error: { code: "ROOMS_FULL" } });
    if (full !== undefined && !full.ok)
      expect(full.error.message).toContain(`${LIMITS.roomsTotal}`);
    expect(openRooms(c)).toBeLessThanOrEqual(LIMITS.roomsTotal);
    // Existing rooms can still be joined.
    expect((await join(others.at(-1) as ClientSocket, "a-0")).ok).toBe(true);
  });
});
