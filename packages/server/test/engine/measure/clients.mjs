// Child process for measure.mjs: opens N raw WebSocket clients (ws) and counts messages.
import WebSocket from "ws";

const [port, n, expected] = process.argv.slice(2).map(Number);
const sockets = [];
let open = 0;
let received = 0;
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  ws.on("message", (d) => {
    const s = d.toString();
    if (s[0] === "0") {
      if (++open === n) process.send({ type: "open" });
    } else if (s === "2") {
      ws.send("3");
    } else if (++received === expected * n) {
      process.send({ type: "done" });
    }
  });
  ws.on("error", () => {});
  sockets.push(ws);
}
process.on("message", (m) => {
  if (m === "reset") received = 0;
  if (m === "exit") {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
