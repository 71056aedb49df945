// Presence: `node packages/server/examples/presence.mjs` (after `npm run build`).
// Who is in a room, by the identity the app gives each socket; join/leave events. Two tabs of
// one user count once. With a cluster adapter (@parley/redis-adapter, @parley/cluster-adapter)
// the same code lists the whole cluster. Exits when done.
import { createServer } from "node:http";
import { io as connect } from "@parley/client";
import { Server } from "@parley/server";

const httpServer = createServer();
const io = new Server(httpServer);

// Who a socket is: set by your login middleware, read by presence when it joins a room.
io.use((socket, next) => {
  socket.data.user = { name: socket.handshake.auth.name };
  next();
});
const presence = io.of("/").trackPresence({
  identify: (socket) => ({ id: socket.data.user.name, info: socket.data.user }),
});
presence.on("join", ({ room, id }) => console.log(`join  ${room} ${id}`));
presence.on("leave", ({ room, id, reason }) => console.log(`leave ${room} ${id} (${reason})`));
io.on("connection", (socket) => socket.join("lobby"));

const members = () =>
  io
    .of("/")
    .presence("lobby")
    .map((m) => m.id);
const connected = (name) =>
  new Promise((resolve) => {
    const socket = connect(`http://127.0.0.1:${httpServer.address().port}`, {
      forceNew: true,
      reconnection: false,
      auth: { name },
    });
    socket.on("connect", () => resolve(socket));
  });
/** Resolves once `condition()` holds (the server sees connections and leaves asynchronously). */
const until = async (condition) => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};
const sockets = () => io.of("/").sockets.size;

httpServer.listen(0, "127.0.0.1", async () => {
  const adaTab1 = await connected("ada");
  const adaTab2 = await connected("ada");
  const bob = await connected("bob");
  console.log("lobby:", members()); // [ 'ada', 'bob' ]: ada once
  adaTab1.disconnect();
  await until(() => sockets() === 2);
  console.log("lobby:", members()); // ada is still there (her other tab)
  adaTab2.disconnect();
  await until(() => sockets() === 1);
  bob.disconnect();
  await until(() => sockets() === 0);
  console.log("lobby:", members());
  await io.close();
});
