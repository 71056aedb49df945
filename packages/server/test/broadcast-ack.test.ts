import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { busAdapter, type Harness, next, startServer, until } from "./helpers.js";

// A broadcast ack waits for every client it reached; one that disconnects before answering
// is counted out at once. The timeouts below are long safety nets: had the disconnected
// client been waited for, the broadcast would fail with a timeout error instead.
const LONG = 10_000;

let h: Harness;
let extra: Harness | undefined;

afterEach(async () => {
  await h.close();
  await extra?.close();
  extra = undefined;
});

async function connectAll(n: number, answer: (i: number) => boolean) {
  const servers: Socket[] = [];
  h.io.on("connection", (s) => {
    servers.push(s);
  });
  const clients = [];
  for (let i = 0; i < n; i++) {
    const c = h.client("/", { transports: ["websocket"] });
    const mine = i;
    c.on("q", (v: number, cb: (r: unknown) => void) => {
      if (answer(mine)) cb(`${mine}:${v}`);
    });
    await next(c, "connect");
    clients.push(c);
  }
  await until(() => servers.length === n, "server sockets");
  return { clients, servers };
}

describe("broadcast acks and disconnects", () => {
  it("emitWithAck resolves with the others' replies when a client leaves without answering", async () => {
    h = await startServer();
    const { clients, servers } = await connectAll(3, (i) => i !== 1);
    const pending = h.io.timeout(LONG).emitWithAck("q", 1);
    // Client 1 received the event and will never answer: it disconnects.
    const gone = next(servers[1] as Socket, "disconnect");
    clients[1]?.disconnect();
    await gone;
    const replies = await pending;
    expect([...replies].sort()).toEqual(["0:1", "2:1"]);
  });

  it("the callback form completes when a client's transport drops", async () => {
    h = await startServer();
    const { servers } = await connectAll(2, (i) => i === 0);
    const result = new Promise<[Error | null, unknown]>((resolve) => {
      h.io
        .timeout(LONG)
        .emit("q", 2, (err: Error | null, replies: unknown) => resolve([err, replies]));
    });
    (servers[1] as Socket).conn.close();
    const [err, replies] = await result;
    expect(err).toBeNull();
    expect(replies).toEqual(["0:2"]);
  });

  it("resolves with no replies once every targeted client left", async () => {
    h = await startServer();
    const { servers } = await connectAll(2, () => false);
    for (const s of servers) s.join("r");
    const pending = h.io.to("r").timeout(LONG).emitWithAck("q", 3);
    h.io.in("r").disconnectSockets(true);
    expect(await pending).toEqual([]);
  });

  it("a client that answered before leaving still counts", async () => {
    h = await startServer();
    const { clients, servers } = await connectAll(2, (i) => i === 0);
    // Client 0 says so after answering: its ACK is processed before this event.
    clients[0]?.on("q", () => clients[0]?.emit("answered"));
    const answered = next(servers[0] as Socket, "answered");
    const pending = h.io.timeout(LONG).emitWithAck("q", 4);
    await answered;
    clients[0]?.disconnect();
    clients[1]?.disconnect();
    expect(await pending).toEqual(["0:4"]);
  });

  it("still times out when a connected client never answers", async () => {
    h = await startServer();
    await connectAll(2, (i) => i === 0);
    await expect(h.io.timeout(100).emitWithAck("q", 5)).rejects.toMatchObject({
      code: "ACK_TIMEOUT",
      responses: ["0:5"],
    });
  });

  it("across a cluster: a client of another server that leaves is counted out", async () => {
    const adapter = busAdapter();
    h = await startServer({ adapter });
    extra = await startServer({ adapter });
    const other = extra;
    for (const server of [h, other]) {
      const bus = server.io.of("/").adapter as InstanceType<typeof adapter>;
      await until(() => bus.peers === 1, "cluster formed");
    }
    const here = h.client("/", { transports: ["websocket"] });
    here.on("q", (v: number, cb: (r: unknown) => void) => cb(`here:${v}`));
    await next(here, "connect");
    const there = other.client("/", { transports: ["websocket"] });
    const received = new Promise<void>((resolve) => there.on("q", () => resolve()));
    const remoteSocket = next<[Socket]>(other.io, "connection");
    await next(there, "connect");
    const [remote] = await remoteSocket;
    const pending = h.io.timeout(LONG).emitWithAck("q", 6);
    await received;
    remote.conn.close();
    expect(await pending).toEqual(["here:6"]);
  });
});
