// Front conformance: rateLimit.connections — per-address handshake rate and sessions open per
// address, answered 429 with a JSON body and Retry-After on both transports. 127.0.0.x source
// addresses are distinct clients on Linux loopback.
import { io } from "socket.io-client";
import { expect } from "vitest";
import type WebSocket from "ws";
import {
  type Answer,
  pollingHandshake,
  refusedWith,
  websocketHandshake,
} from "../handshake-answers.js";
import { within } from "../waiting.js";
import type { CaseContext, FrontOptions } from "./shared.js";

/** Next to nothing refills: the burst is all an address gets during a test. */
export const HANDSHAKE_RATE: FrontOptions = {
  options: { rateLimit: { connections: { rate: 0.001, burst: 2 } } },
};

export const SESSIONS_PER_ADDRESS: FrontOptions = {
  options: { rateLimit: { connections: { maxPerAddress: 2 } } },
};

/** Run against HANDSHAKE_RATE. */
export function handshakeRateCases({ test, server, event }: CaseContext): void {
  test("rateLimit.connections: handshakes past an address's burst get 429 on polling and WebSocket; another address still gets in", async () => {
    const { port, url } = server();
    const peers: WebSocket[] = [];
    try {
      expect((await pollingHandshake(port)).status).toBe(200);
      expect(await websocketHandshake(port, peers)).toBe("open");
      refusedWith(await pollingHandshake(port), "CONNECTION_RATE_LIMITED");
      refusedWith(await websocketHandshake(port, peers), "CONNECTION_RATE_LIMITED");
      const refusal = await event((e) => e.type === "connection_error", "connection_error");
      expect(refusal.context).toMatchObject({
        name: "CONNECTION_RATE_LIMITED",
        address: "127.0.0.1",
      });
      // The official client sees a connect_error.
      const refused = io(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      try {
        await within(
          new Promise((resolve) => refused.once("connect_error", resolve)),
          "connect_error on a refused client",
        );
      } finally {
        refused.disconnect();
      }
      // Another address has its own bucket.
      expect((await pollingHandshake(port, { localAddress: "127.0.0.2" })).status).toBe(200);
      expect(await websocketHandshake(port, peers, "127.0.0.2")).toBe("open");
      refusedWith(await websocketHandshake(port, peers, "127.0.0.2"), "CONNECTION_RATE_LIMITED");
    } finally {
      for (const p of peers) p.terminate();
    }
  });
}

/** Run against SESSIONS_PER_ADDRESS. */
export function sessionsPerAddressCases({ test, server }: CaseContext): void {
  test("rateLimit.connections: sessions open at once per address are capped; a closed one frees a place", async () => {
    const { port, url } = server();
    const peers: WebSocket[] = [];
    const options = { forceNew: true, reconnection: false };
    const a = io(url, { ...options, transports: ["websocket"] });
    const b = io(url, { ...options, transports: ["polling"] });
    try {
      await within(
        Promise.all(
          [a, b].map((c) => new Promise<void>((resolve) => c.once("connect", () => resolve()))),
        ),
        "both clients connected",
      );
      refusedWith(await pollingHandshake(port), "TOO_MANY_CONNECTIONS");
      refusedWith(await websocketHandshake(port, peers), "TOO_MANY_CONNECTIONS");
      // Not this address's sessions: 127.0.0.3 opens its own.
      expect(await websocketHandshake(port, peers, "127.0.0.3")).toBe("open");
      a.disconnect();
      // The server learns of the close asynchronously: bounded retries until a place is free.
      let answer: "open" | Answer = "open";
      for (let tries = 0; tries < 50; tries++) {
        answer = await websocketHandshake(port, peers);
        if (answer === "open") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer).toBe("open");
    } finally {
      a.disconnect();
      b.disconnect();
      for (const p of peers) p.terminate();
    }
  });
}
