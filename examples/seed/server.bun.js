// The seed app on Bun, natively: Bun.serve serves the page, and Parley's Bun engine
// (@parley/server/bun) serves Socket.IO beside it — polling, Bun's own WebSocket, and the
// client bundle at /socket.io/socket.io.js. The Socket.IO code is the tutorial's, unchanged.
//   bun examples/seed/server.bun.js
const { join } = require("node:path");
const { Server } = require("@parley/server");
const { BunEngine } = require("@parley/server/bun");

// PORT=0 picks a free port (the tests use it).
const PORT = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);

const io = new Server();
const engine = new BunEngine();
io.bind(engine);

io.on("connection", (socket) => {
  socket.on("tiwen", (msg) => {
    io.emit("huida", msg);
  });
});

const page = Bun.file(join(__dirname, "index.html"));
const socketIo = engine.handler();

const server = Bun.serve({
  ...socketIo,
  port: PORT,
  fetch(request, srv) {
    const { pathname } = new URL(request.url);
    if (pathname === "/") {
      // The charset matters: without it browsers mis-decode the page's Chinese text.
      return new Response(page, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
    return socketIo.fetch(request, srv);
  },
});

console.log(`seed example on Bun at http://localhost:${server.port}`);
