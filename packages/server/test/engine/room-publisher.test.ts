import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import {
  Engine,
  type EngineConnection,
  type PreparedMessage,
  type RoomPublisher,
  roomTopic,
  type Socket,
} from "../../src/engine/index.js";
import { Server } from "../../src/index.js";
import { until } from "../helpers.js";

/**
 * The room-publish hook, with a fake front: an engine whose `roomPublisher` plays a runtime
 * with native topics. It subscribes connections from the adapter's join/leave events and
 * publishes by writing the prepared message to each subscriber, as a native publish would.
 */
class FakeTopics implements RoomPublisher {
  readonly topics = new Map<string, Set<EngineConnection>>();
  readonly published: { nsp: string; room: string }[] = [];
  /** When false, plays a front that cannot publish this one (the adapter loops instead). */
  accept = true;

  publish(nsp: string, room: string, message: PreparedMessage): boolean {
    if (!this.accept) return false;
    this.published.push({ nsp, room });
    for (const conn of this.topics.get(roomTopic(nsp, room)) ?? []) conn.sendPrepared(message);
    return true;
  }
}

class FakeFrontEngine extends Engine {
  override readonly roomPublisher: FakeTopics = new FakeTopics();
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function start() {
  const http = createServer();
  const engine = new FakeFrontEngine();
  engine.attach(http);
  const io = new Server();
  io.bind(engine);
  const topics = engine.roomPublisher;
  // The front subscribes connections to room topics from the adapter's events.
  const nsp = io.of("/");
  nsp.adapter.on("join-room", (room: string, id: string) => {
    const conn = nsp.sockets.get(id)?.conn;
    if (conn === undefined) return;
    const topic = roomTopic("/", room);
    let members = topics.topics.get(topic);
    if (members === undefined) {
      members = new Set();
      topics.topics.set(topic, members);
    }
    members.add(conn);
  });
  nsp.adapter.on("leave-room", (room: string, id: string) => {
    const conn = nsp.sockets.get(id)?.conn;
    if (conn !== undefined) topics.topics.get(roomTopic("/", room))?.delete(conn);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: ClientSocket[] = [];
  cleanups.push(async () => {
    for (const c of clients) c.disconnect();
    http.closeAllConnections();
    await io.close();
    http.close();
  });
  const client = () => {
    const c = ioc(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    clients.push(c);
    return c;
  };
  return { io, topics, client };
}

describe("room-publish hook (fake front)", () => {
  it("the Node front has no native publish; its sessions are typed with Node's request", () => {
    expect(new Engine().roomPublisher).toBeNull();
    expectTypeOf<Socket["request"]>().toEqualTypeOf<IncomingMessage>();
    expectTypeOf<EngineConnection["request"]>().toEqualTypeOf<IncomingMessage>();
  });

  it("a one-room broadcast goes to the front's publish; others loop over recipients", async () => {
    const { io, topics, client } = await start();
    const got: string[][] = [[], []];
    const a = client();
    const b = client();
    a.on("e", (v: string) => got[0]?.push(v));
    b.on("e", (v: string) => got[1]?.push(v));
    io.on("connection", (socket) => socket.join("room"));
    await until(() => a.connected && b.connected && io.of("/").sockets.size === 2);
    const [first] = [...io.of("/").sockets.values()];

    io.to("room").emit("e", "native");
    expect(topics.published).toEqual([{ nsp: "/", room: "room" }]);
    await until(() => got.every((g) => g.length === 1), "the native publish");

    // Not eligible: per-recipient state or more than one room; the adapter delivers.
    io.to("room")
      .except(first?.id ?? "")
      .emit("e", "except");
    io.to("room").to("other").emit("e", "two rooms");
    io.to("room").volatile.emit("e", "volatile");
    io.emit("e", "everyone");
    expect(topics.published).toHaveLength(1);

    // A front that declines: the adapter loops over recipients.
    topics.accept = false;
    io.to("room").emit("e", "declined");
    await until(() => got.every((g) => g.at(-1) === "declined"), "the rest");
    // (The volatile one may be dropped: the connection is not idle right after the others.)
    const delivered = (g: string[] | undefined) => g?.filter((v) => v !== "volatile");
    expect(delivered(got[1])).toEqual(["native", "except", "two rooms", "everyone", "declined"]);
    expect(delivered(got[0])).toEqual(["native", "two rooms", "everyone", "declined"]);
  });
});
