import { createServer } from "node:http";
import type { RequestHandler } from "express";
import { describe, expectTypeOf, it } from "vitest";

// A Socket.IO server as its TypeScript users write it (the docs' typing guide and common
// patterns), with only the import changed from "socket.io" to Parley. It must compile as is.
import {
  type BroadcastOperator,
  type DefaultEventsMap,
  type DisconnectReason,
  type Event,
  type EventsMap,
  type ExtendedError,
  type Namespace,
  type RemoteSocket,
  Server,
  type ServerOptions,
  type Socket,
} from "../src/index.js";

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: Buffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
  message: (from: string, text: string) => void;
}

interface ClientToServerEvents {
  hello: () => void;
  join: (room: string, ack: (ok: boolean) => void) => void;
  message: (text: string) => void;
}

interface InterServerEvents {
  ping: () => void;
}

interface SocketData {
  name: string;
  age: number;
}

type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

const options: Partial<ServerOptions> = {
  path: "/socket.io",
  serveClient: false,
  pingInterval: 25_000,
  pingTimeout: 20_000,
  maxHttpBufferSize: 1e6,
  transports: ["polling", "websocket"],
  cors: { origin: ["https://example.com"], credentials: true },
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true },
};

function authenticate(token: string): { name: string; age: number } | undefined {
  return token === "" ? undefined : { name: token, age: 1 };
}

function register(socket: AppSocket, io: AppServer): void {
  socket.on("message", (text) => {
    io.to("chat").emit("message", socket.data.name, text);
  });
}

function broadcastTo(op: BroadcastOperator<ServerToClientEvents, SocketData>): void {
  op.emit("noArg");
}

function describeSocket(s: RemoteSocket<ServerToClientEvents, SocketData>): string {
  return `${s.id} ${s.data.name} ${[...s.rooms].join(",")} ${s.handshake.address}`;
}

function onDisconnect(reason: DisconnectReason): boolean {
  return reason === "transport close" || reason === "ping timeout";
}

function adminNamespace(nsp: Namespace<ClientToServerEvents, ServerToClientEvents>): void {
  nsp.on("connection", (socket) => socket.emit("noArg"));
}

describe("a typical Socket.IO TypeScript server compiles against Parley", () => {
  it("server, middleware, connection handler, emits, acks, rooms", () => {
    const httpServer = createServer();
    const io = new Server<
      ClientToServerEvents,
      ServerToClientEvents,
      InterServerEvents,
      SocketData
    >(httpServer, options);

    io.use((socket, next) => {
      // auth fields are loosely typed, as in socket.io: no cast needed.
      const user = authenticate(socket.handshake.auth.token);
      if (user === undefined) {
        const err = new Error("not authorized") as ExtendedError;
        err.data = { content: "Please retry later" };
        return next(err);
      }
      socket.data = user;
      next();
    });

    io.use(async (socket, next) => {
      if (typeof socket.handshake.query.room === "string") await socket.join("x");
      next(new Error("boom"));
    });

    io.on("connection", (socket) => {
      expectTypeOf(socket).toEqualTypeOf<AppSocket>();
      expectTypeOf(socket.data.age).toEqualTypeOf<number>();
      expectTypeOf(socket.recovered).toEqualTypeOf<boolean>();
      socket.data.name = "john";
      socket.emit("noArg");
      socket.emit("basicEmit", 1, "2", Buffer.from([3]));
      socket.emit("withAck", "4", (e) => {
        expectTypeOf(e).toEqualTypeOf<number>();
      });
      socket.timeout(1000).emit("withAck", "4", (err, e) => {
        expectTypeOf(err).toEqualTypeOf<Error | null>();
        expectTypeOf(e).toEqualTypeOf<number>();
      });
      socket.on("hello", () => {});
      socket.on("join", async (room, ack) => {
        await socket.join(room);
        ack(true);
      });
      socket.use(([event, ...args]: Event, next) => {
        if (event === "message" && typeof args[0] !== "string") return next(new Error("bad"));
        next();
      });
      socket.on("error", (err) => console.log(err.message));
      socket.on("disconnecting", (reason) => {
        for (const room of socket.rooms) if (room !== socket.id) io.to(room).emit("noArg");
        onDisconnect(reason);
      });
      socket.on("disconnect", (reason, description) => {
        expectTypeOf(reason).toEqualTypeOf<DisconnectReason>();
        console.log(description);
      });
      socket.broadcast.emit("message", "server", "someone joined");
      socket.to("room1").to("room2").except("room3").emit("basicEmit", 1, "2", Buffer.alloc(0));
      socket.volatile.emit("noArg");
      socket.compress(false).emit("noArg");
      socket.onAny((event, ...args) => console.log(event, args));
      socket.onAnyOutgoing((event) => console.log(event));
      void socket.leave("room1");
      register(socket, io);
      if (socket.handshake.auth.admin === true) socket.disconnect(true);
    });

    io.to("room1").emit("basicEmit", 1, "2", Buffer.from([3]));
    io.in("room1").except("room2").emit("noArg");
    io.of("/").to("r").emit("noArg");
    io.local.emit("noArg");
    io.volatile.emit("noArg");
    io.timeout(1000).emit("withAck", "x", (err, replies) => {
      expectTypeOf(err).toEqualTypeOf<Error | null>();
      expectTypeOf(replies).toEqualTypeOf<number[]>();
    });
    expectTypeOf(io.timeout(1000).emitWithAck("withAck", "x")).toEqualTypeOf<Promise<number[]>>();
    io.serverSideEmit("ping");
    io.on("ping", () => {});
    broadcastTo(io.to("room1"));
    adminNamespace(io.of("/admin"));
    io.socketsJoin("room1");
    io.in("room1").socketsLeave("room2");
    io.in("room1").disconnectSockets(true);

    io.engine.on("connection_error", (err) => {
      console.log(err.req.url, err.code, err.message, err.context);
    });
    io.engine.on("initial_headers", (headers, req) => {
      headers["set-cookie"] = `io=${req.url ?? ""}`;
    });
    expectTypeOf(io.engine.clientsCount).toEqualTypeOf<number>();
    // engine.io's shapes of engine.clients, and what user code reads off a connection.
    expectTypeOf(Object.keys(io.engine.clients)).toEqualTypeOf<string[]>();
    const first = io.engine.clients["some-sid"];
    if (first !== undefined) {
      expectTypeOf(first.transport.writable).toEqualTypeOf<boolean>();
      expectTypeOf(first.transport.name).toEqualTypeOf<"polling" | "websocket">();
    }
    // io.engine.use: the docs' "only on handshake" idiom, and Express middleware as is
    // (express-session and helmet are typed as Express's RequestHandler).
    io.engine.use((req, res, next) => {
      const isHandshake = req._query.sid === undefined;
      if (isHandshake) res.setHeader("X-Handshake", "1");
      next();
    });
    const expressMiddleware: RequestHandler = (_req, _res, next) => next();
    io.engine.use(expressMiddleware);
    io.of("/").adapter.on("create-room", (room) => console.log(room));
    io.of("/").adapter.on("join-room", (room, id) => console.log(room, id));
    expectTypeOf(io.of("/").sockets.get("id")).toEqualTypeOf<AppSocket | undefined>();
  });

  it("fetchSockets and RemoteSocket", async () => {
    const io = new Server<
      ClientToServerEvents,
      ServerToClientEvents,
      InterServerEvents,
      SocketData
    >();
    const sockets = await io.in("room1").fetchSockets();
    for (const socket of sockets) {
      expectTypeOf(socket).toEqualTypeOf<RemoteSocket<ServerToClientEvents, SocketData>>();
      describeSocket(socket);
      socket.emit("noArg");
      socket.timeout(100).emit("withAck", "x", (err, n) => console.log(err, n));
      void socket.join("room2");
      void socket.leave("room1");
      socket.disconnect();
    }
    await io.close();
  });

  it("the untyped forms and the event map types", () => {
    const io = new Server(3000, { cors: { origin: "*" } });
    io.on("connection", (socket) => {
      socket.emit("anything", 1, { a: 2 }, (reply: string) => reply);
      socket.on("whatever", (a, b, cb) => cb(a, b));
      socket.data.whatever = true;
    });
    const standalone = new Server({ serveClient: false });
    standalone.listen(3001);
    expectTypeOf<DefaultEventsMap>().toMatchTypeOf<EventsMap>();
    expectTypeOf<ServerToClientEvents>().toMatchTypeOf<EventsMap>();
    expectTypeOf<Event[0]>().toEqualTypeOf<string>();
  });
});
