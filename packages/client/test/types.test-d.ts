import { describe, expectTypeOf, it } from "vitest";
import { io, Manager, type Socket } from "../src/index.js";

interface ServerToClient {
  news(title: string, at: number): void;
  ping(cb: (pong: "pong") => void): void;
}

interface ClientToServer {
  chat(text: string): void;
  sum(a: number, b: number, cb: (total: number) => void): void;
}

describe("typed events", () => {
  const socket: Socket<ServerToClient, ClientToServer> = io("http://localhost:3000");

  it("types listeners of server events and reserved events", () => {
    socket.on("news", (title, at) => {
      expectTypeOf(title).toEqualTypeOf<string>();
      expectTypeOf(at).toEqualTypeOf<number>();
    });
    socket.on("ping", (cb) => cb("pong"));
    socket.on("connect_error", (err) => {
      expectTypeOf(err).toExtend<Error>();
      expectTypeOf(err.data).toEqualTypeOf<unknown>();
    });
    socket.on("disconnect", (reason) => {
      expectTypeOf(reason).toExtend<string>();
    });
    // @ts-expect-error: not an event the server sends
    socket.on("nope", () => {});
    // @ts-expect-error: wrong argument type
    socket.on("news", (title: number) => title);
  });

  it("types emits, acks and emitWithAck", async () => {
    socket.emit("chat", "hello");
    socket.emit("sum", 1, 2, (total) => expectTypeOf(total).toEqualTypeOf<number>());
    // @ts-expect-error: wrong argument type
    socket.emit("chat", 42);
    // @ts-expect-error: not an event the server accepts
    socket.emit("unknown");
    expectTypeOf(socket.emitWithAck("sum", 1, 2)).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error: missing argument
    socket.emitWithAck("sum", 1);
  });

  it("timeout() makes ack callbacks error-first", async () => {
    socket.timeout(100).emit("sum", 1, 2, (err, total) => {
      expectTypeOf(err).toEqualTypeOf<Error | null>();
      expectTypeOf(total).toEqualTypeOf<number>();
    });
    expectTypeOf(socket.timeout(100).emitWithAck("sum", 1, 2)).toEqualTypeOf<Promise<number>>();
  });

  it("untyped sockets accept anything", () => {
    const any = io();
    any.emit("whatever", 1, { a: 2 });
    any.on("whatever", (...args) => expectTypeOf(args).toBeArray());
    any.on("connect", () => {});
  });

  it("Manager gives typed sockets and typed manager events", () => {
    const manager = new Manager("http://localhost:3000", { autoConnect: false });
    const typed = manager.socket<ServerToClient, ClientToServer>("/chat");
    expectTypeOf(typed).toEqualTypeOf<Socket<ServerToClient, ClientToServer>>();
    manager.on("reconnect_attempt", (n) => expectTypeOf(n).toEqualTypeOf<number>());
    manager.on("error", (err) => expectTypeOf(err).toEqualTypeOf<Error>());
    // @ts-expect-error: not a manager event
    manager.on("connect", () => {});
    expectTypeOf(manager.reconnection()).toEqualTypeOf<boolean>();
    expectTypeOf(manager.reconnection(false)).toEqualTypeOf<Manager>();
  });
});
