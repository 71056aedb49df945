import "reflect-metadata";
import type { AddressInfo } from "node:net";
import type { INestApplication } from "@nestjs/common";
import { io as parleyIo } from "@parley/client";
import { Server } from "@parley/server";
import { io as officialIo } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatGateway } from "../src/chat.gateway.js";
import { bootstrap } from "../src/main.js";
import { PresenceService } from "../src/presence.service.js";

/** What the tests use of a client (the official and Parley's have the same API). */
interface Client {
  readonly id: string | undefined;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  disconnect(): unknown;
}

const kinds = {
  official: (url: string, transports: string[]) =>
    officialIo(url, { forceNew: true, reconnection: false, transports }) as unknown as Client,
  parley: (url: string, transports: string[]) =>
    parleyIo(url, {
      forceNew: true,
      reconnection: false,
      transports: transports as ("polling" | "websocket")[],
    }) as unknown as Client,
};

let app: INestApplication;
let url: string;
const open: Client[] = [];

beforeAll(async () => {
  app = await bootstrap(0);
  const { port } = app.getHttpServer().address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
});

afterEach(() => {
  for (const c of open.splice(0)) c.disconnect();
});

function next<T extends unknown[] = unknown[]>(client: Client, event: string): Promise<T> {
  return new Promise((resolve) => client.once(event, ((...args: T) => resolve(args)) as never));
}

/** `promise`, or a failure naming `what` after `ms` (a bound, not a measurement). */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Connects and resolves once the gateway's handleConnection has greeted the client. */
async function connect(
  kind: keyof typeof kinds,
  transports = ["websocket"],
): Promise<{ client: Client; welcome: { id: string; online: number } }> {
  const client = kinds[kind](url, transports);
  open.push(client);
  const [welcome] = await within(
    next<[{ id: string; online: number }]>(client, "welcome"),
    "welcome",
  );
  return { client, welcome };
}

const presence = () => app.get(PresenceService);

describe("a NestJS gateway on Parley (ParleyIoAdapter)", () => {
  it("runs on a Parley Server: afterInit got it, @WebSocketServer holds it", () => {
    expect(presence().log[0]).toBe("init:Server");
    expect(app.get(ChatGateway).server).toBeInstanceOf(Server);
  });

  for (const kind of ["official", "parley"] as const) {
    describe(`with the ${kind} client`, () => {
      it("handleConnection and handleDisconnect run for each client", async () => {
        const { client, welcome } = await connect(kind);
        expect(welcome.id).toBe(client.id);
        expect(presence().log).toContain(`connect:${welcome.id}`);
        client.disconnect();
        await within(
          new Promise<void>((resolve) => {
            const check = () =>
              presence().log.includes(`disconnect:${welcome.id}`)
                ? resolve()
                : setTimeout(check, 10);
            check();
          }),
          "handleDisconnect",
        );
        expect(presence().online.has(welcome.id)).toBe(false);
      });

      it("a @SubscribeMessage handler's return value is the ack (sync and async)", async () => {
        const { client } = await connect(kind);
        expect(await client.timeout(5000).emitWithAck("echo", { a: [1, "b"] })).toEqual({
          a: [1, "b"],
        });
        expect(await client.timeout(5000).emitWithAck("sum", [1, 2, 3])).toBe(6);
        expect(await client.timeout(5000).emitWithAck("join", "lobby")).toEqual(["lobby"]);
      });

      it("a WsException reaches the client as an exception event", async () => {
        const { client } = await connect(kind);
        const exception = next<[{ status: string; message: string; cause: unknown }]>(
          client,
          "exception",
        );
        client.emit("sum", "not numbers", () => {});
        const [payload] = await within(exception, "exception");
        expect(payload.status).toBe("error");
        expect(payload.message).toBe("sum expects an array of numbers");
        expect(payload.cause).toEqual({ pattern: "sum", data: "not numbers" });
      });

      it("a WsResponse is emitted back as an event", async () => {
        const { client } = await connect(kind);
        const pong = next(client, "pong");
        client.emit("ping", 41);
        expect(await within(pong, "pong")).toEqual([42]);
      });
    });
  }

  it("a gateway on a namespace gets that Parley Namespace", async () => {
    const { client: main } = await connect("official");
    await main.timeout(5000).emitWithAck("join", "ops");
    const admin = kinds.parley(`${url}/admin`, ["websocket"]);
    open.push(admin);
    expect(await admin.timeout(5000).emitWithAck("stats")).toEqual({ nsp: "/admin", sockets: 1 });
    expect(await admin.timeout(5000).emitWithAck("stats", "ops")).toEqual({
      nsp: "/admin",
      sockets: 1,
    });
    expect(await admin.timeout(5000).emitWithAck("stats", "nobody")).toEqual({
      nsp: "/admin",
      sockets: 0,
    });
  });

  it("rooms through @ConnectedSocket: official and Parley clients, polling and WebSocket", async () => {
    const a = await connect("official", ["polling"]);
    const b = await connect("parley", ["websocket"]);
    const c = await connect("official", ["polling", "websocket"]);
    for (const { client } of [a, b]) {
      await client.timeout(5000).emitWithAck("join", "room-1");
    }
    const heard = next<[{ from: string; text: string }]>(b.client, "said");
    let cHeard = false;
    c.client.on("said", (() => {
      cHeard = true;
    }) as never);
    let aHeard = false;
    a.client.on("said", (() => {
      aHeard = true;
    }) as never);
    const members = await a.client.timeout(5000).emitWithAck("say", { room: "room-1", text: "hi" });
    expect(members).toBe(2);
    expect(await within(heard, "said")).toEqual([{ from: a.welcome.id, text: "hi" }]);
    // Leaving takes b out of the room.
    await b.client.timeout(5000).emitWithAck("leave", "room-1");
    expect(await a.client.timeout(5000).emitWithAck("say", { room: "room-1", text: "again" })).toBe(
      1,
    );
    // c never joined and a is excluded as the sender: the server sent them nothing (a
    // broadcast is written to every recipient before the sender's ack).
    expect(cHeard).toBe(false);
    expect(aHeard).toBe(false);
  });
});
