// io.engine.use() on Bun: Express-style middlewares on every engine request and upgrade, with
// express-session working as on Node (the cookie on the handshake, socket.request.session,
// the same session on the next connection), headers joining the engine's answers and the
// 101, next(err) refusing (400), and a middleware answering itself (401). The server is
// test/bun/fixtures/middleware-app.ts run by the bun binary.
import { fileURLToPath } from "node:url";
import { io as ioc, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { within } from "../support/app-clients.js";
import { describeBun, startBunServer } from "../support/bun.js";
import type { ServerProcess } from "../support/server-process.js";

const APP = fileURLToPath(new URL("./fixtures/middleware-app.ts", import.meta.url));
const describe = describeBun();

const clients: Socket[] = [];
const peers: WebSocket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const p of peers.splice(0)) p.terminate();
});

/** The session id in express-session's cookie (`connect.sid=s:<id>.<signature>`). */
function sessionIdOf(setCookie: readonly string[]): string | undefined {
  const cookie = setCookie.find((c) => c.startsWith("connect.sid="));
  if (cookie === undefined) return undefined;
  const value = decodeURIComponent(cookie.slice("connect.sid=".length).split(";")[0] ?? "");
  return value.startsWith("s:") ? value.slice(2, value.lastIndexOf(".")) : undefined;
}

function cookieHeader(setCookie: readonly string[]): string {
  return setCookie.map((c) => c.split(";")[0]).join("; ");
}

function connect(
  url: string,
  transports: ("polling" | "websocket")[],
  cookie?: string,
): Promise<Socket> {
  const socket = ioc(url, {
    forceNew: true,
    reconnection: false,
    transports,
    ...(cookie === undefined ? {} : { extraHeaders: { cookie } }),
  });
  clients.push(socket);
  return within(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    }),
    `connecting (${transports.join("+")})`,
  );
}

/** A WebSocket handshake: the 101's headers, or the status and body that refused it. */
function upgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(
        `${url.replace(/^http/, "ws").replace(/\/$/, "")}/socket.io/?EIO=4&transport=websocket`,
        { headers },
      );
      peers.push(ws);
      ws.on("upgrade", (res) => resolve({ status: 101, headers: res.headers, body: "" }));
      ws.on("unexpected-response", (_req, res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      ws.on("error", reject);
    }),
    "a WebSocket handshake",
  );
}

for (const front of ["listen", "handler"] as const) {
  describe(`engine.use() on Bun (${front})`, () => {
    let server: ServerProcess;
    let base: string;
    beforeAll(async () => {
      server = await startBunServer(APP, { FRONT: front });
      base = server.url.replace(/\/$/, "");
    });
    afterAll(() => server?.kill());

    it("express-session: the handshake sets its cookie, the session is socket.request.session, and holds across connections", async () => {
      const first = await fetch(`${base}/socket.io/?EIO=4&transport=polling`);
      expect(first.status).toBe(200);
      expect((await first.text()).startsWith("0{")).toBe(true);
      const setCookie = first.headers.getSetCookie();
      const id = sessionIdOf(setCookie);
      expect(id).toEqual(expect.any(String));
      // Our own middleware's header joined the engine's answer.
      expect(first.headers.get("x-mw")).toBe("no-cookie");
      const cookie = cookieHeader(setCookie);
      // Polling, then WebSocket-only, both with the cookie: one session, views counted.
      const polling = await connect(base, ["polling"], cookie);
      expect(await polling.timeout(3000).emitWithAck("session")).toEqual({ id, views: 1 });
      const ws = await connect(base, ["websocket"], cookie);
      expect(await ws.timeout(3000).emitWithAck("session")).toEqual({ id, views: 2 });
      // A client without the cookie gets a session of its own.
      const other = await connect(base, ["websocket"]);
      const fresh = (await other.timeout(3000).emitWithAck("session")) as { id: string };
      expect(fresh.id).not.toBe(id);
    });

    it("a large polling answer (a counted stream) passes through the middlewares whole", async () => {
      const socket = await connect(base, ["polling"]);
      for (const n of [100_000, 1_000_000]) {
        const text = (await socket.timeout(5000).emitWithAck("big", n)) as string;
        expect(text.length).toBe(n);
        expect(text).toBe("x".repeat(n));
      }
      expect(socket.io.engine.transport.name).toBe("polling");
    });

    it("headers set by middlewares go out with the 101; express-session's cookie too", async () => {
      const answer = await upgrade(base);
      expect(answer.status).toBe(101);
      expect(answer.headers["x-mw"]).toBe("no-cookie");
      const cookies = [answer.headers["set-cookie"] ?? []].flat();
      expect(sessionIdOf(cookies)).toEqual(expect.any(String));
    });

    it("next(err) refuses polling and upgrades with 400 MIDDLEWARE_FAILURE's body", async () => {
      const polling = await fetch(`${base}/socket.io/?EIO=4&transport=polling`, {
        headers: { "x-reject": "1" },
      });
      expect(polling.status).toBe(400);
      expect(await polling.json()).toEqual({ code: 3, message: "Bad request" });
      const ws = await upgrade(base, { "x-reject": "1" });
      expect(ws.status).toBe(400);
      expect(JSON.parse(ws.body)).toEqual({ code: 3, message: "Bad request" });
    });

    it("a middleware that answers ends the request with its answer", async () => {
      const polling = await fetch(`${base}/socket.io/?EIO=4&transport=polling`, {
        headers: { "x-deny": "1" },
      });
      expect(polling.status).toBe(401);
      expect(await polling.text()).toBe("denied");
      expect(polling.headers.get("x-mw")).toBe("no-cookie");
      const ws = await upgrade(base, { "x-deny": "1" });
      expect(ws.status).toBe(401);
      expect(ws.body).toBe("denied");
    });
  });
}
