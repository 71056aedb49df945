// Rate limiting, end to end in one process: `node packages/server/examples/rate-limit.mjs`
// (after `npm run build`). A client floods "chat"; the server lets its burst through and
// answers the rest with RATE_LIMITED, while "typing" (limited apart) still works.
import { createServer } from "node:http";
import { io as connect } from "@parley/client";
import { Server } from "@parley/server";

const httpServer = createServer();
const io = new Server(httpServer, {
  rateLimit: {
    // Every event of a socket: 20/s, bursts of 40. "chat" alone: 1/s, bursts of 3.
    events: { rate: 20, burst: 40, perEvent: { chat: { rate: 1, burst: 3 } } },
    // Handshakes: 5/s per address, and at most 20 sessions open per address.
    connections: { rate: 5, burst: 10, maxPerAddress: 20 },
    policy: "notify", // the default: error acks, plus one "rate_limited" event per stretch
    onLimited: (socket, info) => console.log(`server: limited ${socket.id} on ${info.event}`),
  },
});
io.on("connection", (socket) => {
  socket.on("chat", (_text, ack) => ack({ ok: true }));
  socket.on("typing", (ack) => ack({ ok: true }));
});
httpServer.listen(0, "127.0.0.1", async () => {
  const { port } = httpServer.address();
  const client = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
  client.on("rate_limited", (info) => console.log("client: rate_limited", info));
  await new Promise((resolve) => client.once("connect", resolve));
  const replies = await Promise.all(
    Array.from({ length: 10 }, (_, i) => client.emitWithAck("chat", `message ${i}`)),
  );
  const refused = replies.filter((r) => r.error?.code === "RATE_LIMITED").length;
  console.log(`client: ${replies.length - refused} chats accepted, ${refused} refused`);
  console.log("client: typing still works:", await client.emitWithAck("typing"));
  client.close();
  io.close();
});
