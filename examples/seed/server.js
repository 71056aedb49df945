// The classic first Socket.IO app, as the tutorial writes it. The only change: the package name.
// A visitor sends a question ("tiwen"); the server broadcasts the answer ("huida") to everyone.
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");

// PORT=0 picks a free port (the tests use it); the tutorial's port 80 would need root.
const PORT = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);

const server = http.createServer((_req, res) => {
  fs.readFile(path.join(__dirname, "index.html"), (err, data) => {
    if (err) {
      res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("cannot read index.html");
      return;
    }
    // The charset matters: without it browsers mis-decode the page's Chinese text and the
    // full-width space, and the inline script fails to parse.
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(data);
  });
});

const io = require("@parley/server")(server);

io.on("connection", (socket) => {
  socket.on("tiwen", (msg) => {
    io.emit("huida", msg);
  });
});

server.listen(PORT, () => {
  console.log(`seed example on http://localhost:${server.address().port}`);
});
