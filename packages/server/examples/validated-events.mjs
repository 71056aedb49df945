// Validated events: `node packages/server/examples/validated-events.mjs` (after `npm run build`).
// A server with one schema per event (zod here; valibot or arktype work the same), a client that
// sends a good and a bad message, and what each side sees. Exits when done.
import { createServer } from "node:http";
import { io as connect } from "@parley/client";
import { Server } from "@parley/server";
import { z } from "zod";

const Chat = z.object({ text: z.string().min(1).max(500), room: z.string().default("lobby") });

let reported;
const refusedWithoutAck = new Promise((resolve) => {
  reported = resolve;
});

const httpServer = createServer();
const io = new Server(httpServer);

// For every socket of the namespace (the handler below gets `{ text, room }`, typed):
const main = io.of("/").schemas({ chat: Chat });
main.on("connection", (socket) => {
  socket.on("chat", (msg, ack) => {
    console.log(`server: ${msg.room} <- ${msg.text}`);
    ack?.({ ok: true });
  });
  // A refused payload whose client sent no ack:
  socket.on("error", (err) => {
    console.log(`server: ${err.code} ${err.message}`);
    reported();
  });
});

httpServer.listen(0, "127.0.0.1", async () => {
  const { port } = httpServer.address();
  const client = connect(`http://127.0.0.1:${port}`, { reconnection: false });
  console.log("client: good ->", await client.emitWithAck("chat", { text: "hello" }));
  console.log("client: bad  ->", JSON.stringify(await client.emitWithAck("chat", { text: "" })));
  client.emit("chat", { text: 42 }); // no ack: the server's socket emits `error`
  await refusedWithoutAck;
  client.disconnect();
  await io.close();
});
