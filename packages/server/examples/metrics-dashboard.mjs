// Metrics and the live dashboard on one server: `node packages/server/examples/metrics-dashboard.mjs`
// (after `npm run build`). Prints a scrape of /metrics after some traffic; with `--serve` it
// stays up on port 3000 (or $PORT): open http://localhost:3000/parley-dashboard/ and log in
// with $DASHBOARD_CREDENTIAL (required: there is no default).
import { createServer } from "node:http";
import { io as connect } from "@parley/client";
import { Server } from "@parley/server";
import { attachDashboard } from "@parley/server/dashboard";
import { attachMetrics } from "@parley/server/metrics";
import { Registry } from "prom-client";

const serve = process.argv.includes("--serve");
const credential = process.env.DASHBOARD_CREDENTIAL ?? (serve ? undefined : "example-credential");
const httpServer = createServer((_req, res) => res.end("the app's own routes still work"));
const io = new Server(httpServer);
const registry = new Registry(); // or prom-client's global `register`, already scraped
attachMetrics(io, { registry, path: "/metrics" });
attachDashboard(io, { path: "/parley-dashboard", credential }); // throws without a credential
io.on("connection", (socket) => {
  socket.join("lobby");
  socket.on("chat", (text, ack) => {
    socket.to("lobby").emit("chat", text);
    ack("ok");
  });
});

httpServer.listen(serve ? Number(process.env.PORT ?? 3000) : 0, "127.0.0.1", async () => {
  const { port } = httpServer.address();
  const url = `http://127.0.0.1:${port}`;
  const clients = [connect(url, { transports: ["websocket"] }), connect(url)];
  await Promise.all(clients.map((c) => new Promise((resolve) => c.once("connect", resolve))));
  for (let i = 0; i < 5; i++) await clients[0].emitWithAck("chat", `hello ${i}`);
  if (serve) {
    console.log(`dashboard: ${url}/parley-dashboard/   metrics: ${url}/metrics`);
    return;
  }
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split("\n")) {
    if (
      /^parley_(sockets_connected|connections_total|packets_|ack_latency_seconds_count|broadcast_recipients_sum)/.test(
        line,
      )
    ) {
      console.log(line);
    }
  }
  for (const c of clients) c.close();
  io.close();
});
