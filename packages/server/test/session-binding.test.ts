import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Engine } from "../src/engine/index.js";
import { type Harness, next, startServer, until } from "./helpers.js";

/**
 * `sessionBinding`: a request naming a live session with its sid, from another client, is
 * refused with 403 and leaves the session alone; the client that made it goes on.
 */

let h: Harness | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await h?.close();
  h = undefined;
});

interface Answer {
  status: number;
  body: string;
}

/** One raw HTTP request, from `localAddress` (any 127/8 address reaches the server). */
function send(
  url: string,
  opts: { method?: string; body?: string; cookie?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.cookie !== undefined) headers.cookie = opts.cookie;
    if (opts.body !== undefined) headers["content-type"] = "text/plain;charset=UTF-8";
    const req = request(
      url,
      { method: opts.method ?? "GET", headers, localAddress: opts.localAddress, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The status a WebSocket upgrade naming `sid` gets (101 when it went through). */
function upgradeStatus(
  port: number,
  sid: string,
  opts: { cookie?: string; localAddress?: string } = {},
): Promise<number> {
  const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`;
  const ws = new WebSocket(url, {
    localAddress: opts.localAddress,
    headers: opts.cookie === undefined ? {} : { cookie: opts.cookie },
  });
  sockets.push(ws);
  return new Promise((resolve) => {
    ws.on("error", () => {});
    ws.once("open", () => resolve(101));
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
  });
}

const MISMATCH = JSON.stringify({ code: 4, message: "Session binding mismatch" });

/** Connects a legitimate polling client; returns it with its sid and its server socket. */
async function legitClient(harness: Harness, withCredentials: boolean) {
  const connected = next<[import("../src/index.js").Socket]>(harness.io, "connection");
  const client = harness.client("/", { transports: ["polling"], withCredentials });
  await next(client, "connect");
  const [serverSocket] = await connected;
  serverSocket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
  const reasons: string[] = [];
  serverSocket.on("disconnect", (reason) => reasons.push(reason));
  return { client, sid: client.io.engine.id as string, serverSocket, reasons };
}

describe("sessionBinding", () => {
  it('"cookie": a stolen sid without the cookie (or with a forged one) gets 403 on GET, POST and upgrade; the client goes on', async () => {
    h = await startServer({ sessionBinding: "cookie", pingInterval: 60_000 });
    const refused: unknown[] = [];
    h.io.engine.on("connection_error", (e) => refused.push(e.context.name));
    const { client, sid, serverSocket, reasons } = await legitClient(h, true);
    const hijacked: unknown[] = [];
    serverSocket.on("hijack", () => hijacked.push(true));
    const url = `${h.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;

    expect(await send(url)).toEqual({ status: 403, body: MISMATCH });
    expect(await send(url, { method: "POST", body: '42["hijack"]' })).toEqual({
      status: 403,
      body: MISMATCH,
    });
    const forged = "io_bind=AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA";
    expect(await send(url, { cookie: forged })).toEqual({ status: 403, body: MISMATCH });
    expect(await upgradeStatus(h.port, sid)).toBe(403);
    expect(await upgradeStatus(h.port, sid, { cookie: forged })).toBe(403);
    expect(refused).toEqual(Array(5).fill("SESSION_BINDING_MISMATCH"));

    // The real session is untouched and still carries traffic both ways.
    expect(hijacked).toEqual([]);
    expect(await client.timeout(5000).emitWithAck("echo", "still mine")).toBe("still mine");
    expect(reasons).toEqual([]);
    expect(client.io.engine.id).toBe(sid);
  });

  it('"cookie": the legitimate client upgrades to WebSocket with its cookie', async () => {
    h = await startServer({ sessionBinding: "cookie", pingInterval: 60_000 });
    const client = h.client("/", { transports: ["polling", "websocket"], withCredentials: true });
    await next(client, "connect");
    const [serverSocket] = [...h.io.of("/").sockets.values()];
    await until(() => serverSocket?.conn.transport.name === "websocket", "the upgrade");
    expect(client.io.engine.transport.name).toBe("websocket");
    expect(client.connected).toBe(true);
  });

  it('"cookie": a client without the cookie (no withCredentials) cannot continue its own session', async () => {
    h = await startServer({ sessionBinding: "cookie", pingInterval: 60_000 });
    const client = h.client("/", { transports: ["polling"], withCredentials: false });
    const error = await next<[Error]>(client, "connect_error");
    expect(error[0]).toBeInstanceOf(Error);
  });

  it('"address": a request from another address gets 403 on GET, POST and upgrade; the client goes on', async () => {
    h = await startServer({ sessionBinding: "address", pingInterval: 60_000 });
    const { client, sid, reasons } = await legitClient(h, false);
    const url = `${h.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const elsewhere = { localAddress: "127.0.0.2" };
    expect(await send(url, elsewhere)).toEqual({ status: 403, body: MISMATCH });
    expect(await send(url, { ...elsewhere, method: "POST", body: "3" })).toEqual({
      status: 403,
      body: MISMATCH,
    });
    expect(await upgradeStatus(h.port, sid, elsewhere)).toBe(403);
    expect(await client.timeout(5000).emitWithAck("echo", 7)).toBe(7);
    expect(reasons).toEqual([]);
  });

  it("off by default: the sid alone names the session, as in socket.io", async () => {
    h = await startServer({ pingInterval: 60_000 });
    const { sid, serverSocket } = await legitClient(h, false);
    const got: unknown[] = [];
    serverSocket.on("hijack", (v: unknown) => got.push(v));
    const url = `${h.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const answer = await send(url, {
      method: "POST",
      body: '42["hijack","from elsewhere"]',
      localAddress: "127.0.0.2",
    });
    expect(answer).toEqual({ status: 200, body: "ok" });
    await until(() => got.length === 1, "the event through the stolen sid");
    expect(got).toEqual(["from elsewhere"]);
  });

  it("a malformed option throws at construction", () => {
    expect(() => new Engine({ sessionBinding: "ip" as never })).toThrow(/sessionBinding/);
    expect(() => new Engine({ sessionBinding: { mode: "cookie", secret: "" } })).toThrow(/secret/);
    expect(
      () => new Engine({ sessionBinding: { mode: "cookie", cookie: { name: "a;b" } } }),
    ).toThrow(/cookie name/);
  });

  it("with a shared secret, a second server accepts the first one's cookie and keeps it", async () => {
    const secret = "a shared secret for the nodes";
    h = await startServer({ sessionBinding: { mode: "cookie", secret }, pingInterval: 60_000 });
    const other = await startServer({
      sessionBinding: { mode: "cookie", secret },
      pingInterval: 60_000,
    });
    try {
      const opened = await new Promise<{ setCookie: string[]; sid: string }>((resolve) => {
        request(`${h?.url}/socket.io/?EIO=4&transport=polling`, (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () =>
            resolve({
              setCookie: res.headers["set-cookie"] ?? [],
              sid: (JSON.parse(body.slice(1)) as { sid: string }).sid,
            }),
          );
        }).end();
      });
      const cookie = (opened.setCookie[0] ?? "").split(";")[0] as string;
      expect(cookie).toMatch(/^io_bind=[\w-]{22}\.[\w-]{22}$/);
      // A handshake on the other node with that cookie binds to the same token.
      const again = await new Promise<string[]>((resolve) => {
        request(
          `${other.url}/socket.io/?EIO=4&transport=polling`,
          { headers: { cookie } },
          (res) => {
            res.resume();
            resolve(res.headers["set-cookie"] ?? []);
          },
        ).end();
      });
      expect((again[0] ?? "").split(";")[0]).toBe(cookie);
      const url = `${h.url}/socket.io/?EIO=4&transport=polling&sid=${opened.sid}`;
      expect((await send(url, { method: "POST", body: "40", cookie })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
