// Raw Engine.IO handshakes and the shape of a refusal, for the tests of what a server answers
// before a session exists (rate limits, per-address caps): the front conformance suite and
// packages/server/test/rate-limit/connections.test.ts.
import { get, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { expect } from "vitest";
import WebSocket from "ws";
import { within } from "./waiting.js";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function readAnswer(res: IncomingMessage, done: (answer: Answer) => void): void {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    body += chunk;
  });
  res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
}

/**
 * A raw polling handshake on a connection of its own, from `localAddress` (any 127.0.0.x is
 * the loopback on Linux: distinct clients to a per-address limit).
 */
export function pollingHandshake(
  port: number,
  opts: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return within(
    new Promise((resolve, reject) => {
      const path = "/socket.io/?EIO=4&transport=polling";
      const { localAddress, headers } = opts;
      const req = get(
        { host: "127.0.0.1", port, path, localAddress, headers, agent: false },
        (res) => readAnswer(res, resolve),
      );
      req.on("error", reject);
    }),
    "a polling handshake",
  );
}

/**
 * A WebSocket-direct handshake: "open", or the HTTP answer that refused it. The socket goes
 * into `peers`, for the caller to terminate.
 */
export function websocketHandshake(
  port: number,
  peers: WebSocket[],
  localAddress?: string,
): Promise<"open" | Answer> {
  return within(
    new Promise((resolve, reject) => {
      const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
      const ws = new WebSocket(url, { localAddress });
      peers.push(ws);
      ws.on("open", () => resolve("open"));
      ws.on("unexpected-response", (_req, res) => readAnswer(res, resolve));
      ws.on("error", reject);
    }),
    "a WebSocket handshake",
  );
}

/** A 429 with a JSON body naming `code`, a Retry-After header and `retryAfterMs`. */
export function refusedWith(answer: "open" | Answer, code: string): void {
  expect(answer).not.toBe("open");
  const { status, headers, body } = answer as Answer;
  expect(status).toBe(429);
  expect(headers["content-type"]).toBe("application/json");
  expect(Number(headers["retry-after"])).toBeGreaterThanOrEqual(1);
  const parsed = JSON.parse(body) as { code: string; message: string; retryAfterMs: number };
  expect(parsed.code).toBe(code);
  expect(parsed.message).toEqual(expect.any(String));
  expect(parsed.retryAfterMs).toBeGreaterThan(0);
}
