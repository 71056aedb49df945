// The README's API tour, kept compiling: if a public type changes, this file says so.
import { createServer } from "node:http";
import { io as connect } from "@parley/client";
import { Server } from "@parley/server";
import { expectTypeOf, test } from "vitest";

interface ClientToServer {
  chat(text: string, ack: (r: { ok: boolean }) => void): void;
}
interface ServerToClient {
  chat(from: string, text: string): void;
  poll(question: string, answer: (choice: string) => void): void;
}
interface SocketData {
  nick: string;
}

test("the README's server tour compiles", async () => {
  const httpServer = createServer();
  const io = new Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>(
    httpServer,
    {
      cors: { origin: "https://example.com" },
      maxHttpBufferSize: 1e6,
      connectionStateRecovery: {},
    },
  );
  io.use((socket, next) => {
    const nick: unknown = socket.handshake.auth.nick;
    if (typeof nick !== "string") return next(new Error("nickname required"));
    socket.data.nick = nick;
    next();
  });
  io.on("connection", (socket) => {
    socket.join("lobby");
    socket.on("chat", (text, ack) => {
      expectTypeOf(text).toEqualTypeOf<string>();
      socket.to("lobby").emit("chat", socket.data.nick, text);
      ack({ ok: true });
    });
  });
  const choices = await io.timeout(10_000).emitWithAck("poll", "tea or coffee?");
  expectTypeOf(choices).toEqualTypeOf<string[]>();
  // @ts-expect-error: "chat" takes two strings
  io.emit("chat", 1);
});

test("the README's client tour compiles", async () => {
  const socket = connect("http://localhost:3000", {
    auth: { nick: "ann" },
    ackTimeout: 5000,
    retries: 3,
  });
  socket.on("chat", (from: string, text: string) => console.log(from, text));
  const { ok } = await socket.emitWithAck("chat", "hi");
  console.log(ok);
});
