import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { onCleanup } from "./helpers.js";

/** One request the raw polling server saw, and whether the client hung up before the answer. */
export interface SeenRequest {
  method: string;
  sid: string | null;
  body: string;
  /** Resolves when the connection of this request closes, true if it closed unanswered. */
  closed: Promise<boolean>;
}

export interface RawPollingServer {
  url: string;
  requests: SeenRequest[];
  /** WebSockets accepted (with `probe`). */
  sockets: WebSocket[];
}

export interface RawPollingOptions {
  /** The open packet's JSON; defaults to a valid handshake without upgrades. */
  handshake?: Record<string, unknown>;
  /** Answers a GET that carries a sid (a long-poll). Leave `res` alone to never answer. */
  onPoll?: (res: ServerResponse, req: IncomingMessage) => void;
  /** Answers a POST (its body in hand). Defaults to `ok`; leave `res` alone to never answer. */
  onPost?: (res: ServerResponse, body: string) => void;
  /** Accept WebSockets and answer the upgrade probe (`2probe` → `3probe`), nothing else. */
  probe?: boolean;
}

export const HANDSHAKE = {
  sid: "s1",
  upgrades: [],
  pingInterval: 60_000,
  pingTimeout: 60_000,
  maxPayload: 1e6,
};

/**
 * A bare HTTP server speaking just enough Engine.IO long-polling for tests that need the server
 * to misbehave: oversized bodies, requests it never answers.
 */
export async function rawPollingServer(opts: RawPollingOptions = {}): Promise<RawPollingServer> {
  const requests: SeenRequest[] = [];
  const http = createServer((req, res) => {
    const sid = new URL(req.url ?? "/", "http://x").searchParams.get("sid");
    const seen: SeenRequest = {
      method: req.method ?? "",
      sid,
      body: "",
      closed: new Promise((resolve) => res.on("close", () => resolve(!res.writableFinished))),
    };
    requests.push(seen);
    if (req.method === "GET" && sid === null) {
      res.end(`0${JSON.stringify(opts.handshake ?? HANDSHAKE)}`);
    } else if (req.method === "GET") {
      opts.onPoll?.(res, req);
    } else {
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        seen.body += chunk;
      });
      req.on("end", () => (opts.onPost ? opts.onPost(res, seen.body) : res.end("ok")));
    }
  });
  const sockets: WebSocket[] = [];
  if (opts.probe) {
    const wss = new WebSocketServer({ server: http, path: "/socket.io/" });
    wss.on("connection", (ws) => {
      sockets.push(ws);
      ws.on("message", (data) => {
        if (data.toString() === "2probe") ws.send("3probe");
      });
    });
  }
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requests, sockets };
}
