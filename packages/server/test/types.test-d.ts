import { describe, expectTypeOf, it } from "vitest";

// Event maps written as type aliases (interfaces need EventsMap's index signature to be `any`).
import { type RemoteSocket, Server, type Socket } from "../src/index.js";

type ClientToServer = {
  chat(text: string): void;
  ask(q: string, cb: (answer: number) => void): void;
};
type ServerToClient = {
  news(title: string, at: number): void;
  question(q: string, cb: (answer: boolean) => void): void;
};
type InterServer = {
  sync(version: number): void;
};
type SocketData = {
  user: string;
};

describe("typed events", () => {
  const io = new Server<ClientToServer, ServerToClient, InterServer, SocketData>();

  it("types listeners and emits on sockets", () => {
    io.on("connection", (socket) => {
      expectTypeOf(socket).toEqualTypeOf<
        Socket<ClientToServer, ServerToClient, InterServer, SocketData>
      >();
      expectTypeOf(socket.data.user).toEqualTypeOf<string>();
      socket.on("chat", (text) => expectTypeOf(text).toEqualTypeOf<string>());
      socket.on("ask", (q, cb) => {
        expectTypeOf(q).toEqualTypeOf<string>();
        cb(42);
      });
      socket.on("disconnect", (reason) => expectTypeOf(reason).toBeString());
      socket.emit("news", "title", 1);
      // @ts-expect-error wrong argument type
      socket.emit("news", 1, 1);
      // @ts-expect-error unknown event
      socket.emit("nope");
      socket.emit("question", "ok?", (answer) => expectTypeOf(answer).toEqualTypeOf<boolean>());
      socket.timeout(100).emit("question", "ok?", (err, answer) => {
        expectTypeOf(err).toEqualTypeOf<Error | null>();
        expectTypeOf(answer).toEqualTypeOf<boolean>();
      });
      expectTypeOf(socket.emitWithAck("question", "q")).toEqualTypeOf<Promise<boolean>>();
      expectTypeOf(socket.timeout(5).emitWithAck("question", "q")).toEqualTypeOf<
        Promise<boolean>
      >();
      socket.to("room").emit("news", "t", 2);
      // @ts-expect-error wrong arity on a broadcast
      socket.broadcast.emit("news", "t");
    });
  });

  it("types server broadcasts, broadcast acks and server-side events", () => {
    io.emit("news", "t", 1);
    io.to("a").except(["b"]).volatile.emit("news", "t", 1);
    // @ts-expect-error unknown event
    io.to("a").emit("unknown");
    io.timeout(1000).emit("question", "q", (err, answers) => {
      expectTypeOf(err).toEqualTypeOf<Error | null>();
      expectTypeOf(answers).toEqualTypeOf<boolean[]>();
    });
    expectTypeOf(io.timeout(1000).emitWithAck("question", "q")).toEqualTypeOf<Promise<boolean[]>>();
    io.serverSideEmit("sync", 2);
    // @ts-expect-error wrong server-side argument
    io.serverSideEmit("sync", "2");
    io.on("sync", (version) => expectTypeOf(version).toEqualTypeOf<number>());
  });

  it("types fetchSockets and namespaces", async () => {
    const sockets = await io.fetchSockets();
    expectTypeOf(sockets).toEqualTypeOf<RemoteSocket<ServerToClient, SocketData>[]>();
    expectTypeOf(sockets[0]!.data).toEqualTypeOf<SocketData>();
    const nsp = io.of("/chat");
    nsp.emit("news", "t", 3);
    nsp.use((socket, next) => {
      expectTypeOf(socket.data).toEqualTypeOf<SocketData>();
      next(new Error("nope"));
    });
  });

  it("accepts anything with the default maps", () => {
    const loose = new Server();
    loose.on("connection", (socket) => {
      socket.emit("anything", 1, "two", { three: 3 });
      socket.on("whatever", (...args) => args);
      socket.data.anything = 1;
    });
    loose.emit("x", 1);
    loose.to("r").emit("y");
  });
});
