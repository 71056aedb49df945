import type { Socket as ClientSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, until } from "./helpers.js";

// socket.io drops a volatile packet unless the transport is idle (engine.io's
// `transport.writable`): a burst in one tick sends its first packet only, and a volatile
// packet queued behind a regular one is dropped. Each test waits for an idle transport, sends
// a burst, then a regular "done" that queues behind it: whatever arrived before "done" is all
// that was sent.

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MODES = [
  { mode: "websocket", transports: ["websocket"] },
  { mode: "polling", transports: ["polling"] },
] as const;

async function connect(
  transports: readonly ("websocket" | "polling")[],
  count = 1,
): Promise<{ sockets: Socket[]; clients: ClientSocket[] }> {
  h = await startServer({ transports: [...transports] });
  const sockets: Socket[] = [];
  h.io.on("connection", (s) => {
    sockets.push(s);
  });
  const clients: ClientSocket[] = [];
  for (let i = 0; i < count; i++) {
    const c = h.client("/", { transports: [...transports] });
    clients.push(c);
    await next(c, "connect");
  }
  await until(() => sockets.length === count, "server sockets");
  return { sockets, clients };
}

/** Counts "v" events on `client` until its "done" event. */
function countUntilDone(client: ClientSocket): Promise<unknown[]> {
  const got: unknown[] = [];
  client.on("v", (x: unknown) => got.push(x));
  return new Promise((resolve) => client.once("done", () => resolve(got)));
}

function idle(sockets: readonly Socket[]): Promise<void> {
  return until(() => sockets.every((s) => s.conn.writable), "an idle transport");
}

describe.each(MODES)("volatile emits ($mode)", ({ transports }) => {
  it("a burst of 1000 in one tick sends only the first", async () => {
    const { sockets, clients } = await connect(transports);
    const s = sockets[0] as Socket;
    const got = countUntilDone(clients[0] as ClientSocket);
    await idle(sockets);
    for (let i = 0; i < 1000; i++) s.volatile.emit("v", i);
    s.emit("done");
    expect(await got).toEqual([0]);
  });

  it("drops a volatile emit queued behind a regular one, and still sends what follows", async () => {
    const { sockets, clients } = await connect(transports);
    const s = sockets[0] as Socket;
    const got: unknown[] = [];
    const c = clients[0] as ClientSocket;
    c.on("e", (x: unknown) => got.push(x));
    const done = next(c, "done");
    await idle(sockets);
    s.emit("e", "regular 1");
    s.volatile.emit("e", "volatile");
    s.emit("e", "regular 2");
    s.emit("done");
    await done;
    expect(got).toEqual(["regular 1", "regular 2"]);
  });

  it("a burst of binary volatile emits sends the first whole (all its frames)", async () => {
    const { sockets, clients } = await connect(transports);
    const s = sockets[0] as Socket;
    const got = countUntilDone(clients[0] as ClientSocket);
    await idle(sockets);
    s.volatile.emit("v", Buffer.from([1, 2, 3]));
    s.volatile.emit("v", Buffer.from([4, 5, 6]));
    s.emit("done");
    const received = await got;
    expect(received).toHaveLength(1);
    expect([...(received[0] as Buffer)]).toEqual([1, 2, 3]);
  });

  it("io.volatile.emit and room broadcasts: each recipient gets the first of a burst", async () => {
    const { sockets, clients } = await connect(transports, 2);
    for (const s of sockets) s.join("room");
    const counts = clients.map((c) => countUntilDone(c));
    await idle(sockets);
    for (let i = 0; i < 1000; i++) h?.io.volatile.emit("v", i);
    for (let i = 0; i < 1000; i++) h?.io.to("room").volatile.emit("v", `room ${i}`);
    h?.io.emit("done");
    expect(await Promise.all(counts)).toEqual([[0], [0]]);
  });
});

describe("volatile emits after an idle period", () => {
  it("are sent again once the transport is idle (websocket)", async () => {
    const { sockets, clients } = await connect(["websocket"]);
    const s = sockets[0] as Socket;
    const got = countUntilDone(clients[0] as ClientSocket);
    for (let round = 0; round < 3; round++) {
      await idle(sockets);
      s.volatile.emit("v", round);
      s.volatile.emit("v", `dropped ${round}`);
    }
    s.emit("done");
    expect(await got).toEqual([0, 1, 2]);
  });
});
