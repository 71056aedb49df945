import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { onCleanup } from "./helpers.js";

export interface RawServer {
  url: string;
  http: HttpServer;
  /** Engine.IO connections accepted so far. */
  connections(): number;
}

export interface RawServerOptions {
  /** What follows `0` in the open packet; defaults to a valid handshake. */
  handshake?: string;
  /** Called once the Socket.IO CONNECT to "/" has been answered. */
  onConnect?: (ws: WebSocket, n: number) => void;
  /** Every frame from the client. */
  onFrame?: (ws: WebSocket, frame: string) => void;
}

/**
 * A bare WebSocket server speaking just enough Engine.IO/Socket.IO to connect a client, for
 * tests that need the server to misbehave (garbage frames, silence, bad handshakes).
 */
export async function rawServer(opts: RawServerOptions = {}): Promise<RawServer> {
  const http = createServer((_req, res) => {
    res.writeHead(400).end();
  });
  const wss = new WebSocketServer({ server: http, path: "/socket.io/" });
  let count = 0;
  wss.on("connection", (ws) => {
    const n = ++count;
    ws.send(
      `0${
        opts.handshake ??
        JSON.stringify({
          sid: `engine${n}`,
          upgrades: [],
          pingInterval: 10000,
          pingTimeout: 5000,
          maxPayload: 1e6,
        })
      }`,
    );
    ws.on("message", (data) => {
      const frame = data.toString();
      opts.onFrame?.(ws, frame);
      if (frame === "40" || frame.startsWith("40{")) {
        ws.send(`40{"sid":"socket${n}"}`);
        opts.onConnect?.(ws, n);
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    http,
    connections: () => count,
  };
}
