// The front conformance suite: the same user-visible behaviour, asserted the same way, on each
// of Parley's engine fronts (Node: node:http + ws; Bun: Bun.serve + Bun's WebSocket). A test
// file calls `frontConformance` with a factory that starts test/fronts/fixtures/app.mjs (one
// app, unchanged on both runtimes) with the given options. Raw Engine.IO requests where the
// bytes, statuses and headers matter; the official socket.io-client for recovery.
import { get as httpGet, request as httpRequest } from "node:http";
import { gunzipSync } from "node:zlib";
import { io as officialIo, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eioUrl,
  frame,
  get,
  getPackets,
  handshake,
  openWs,
  parseUpgrade,
  post,
  rawUpgrade,
  SEP,
  until,
} from "./front-protocol.js";

/** What the fixture takes (as JSON in PARLEY_FRONT). */
export interface FrontOptions {
  options: Record<string, unknown>;
  /** An allowRequest that refuses any other Origin header (none is allowed). */
  allowOrigins?: string[];
}

/** What the fixture printed as `EVENT {json}`. */
export interface FrontEvent {
  type: string;
  sid?: string;
  id?: string;
  reason?: string;
  recovered?: boolean;
  code?: number;
  message?: string;
}

export interface FrontServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  /** Every event the server reported so far. */
  events(): FrontEvent[];
  close(): Promise<void>;
}

export type StartFront = (options: FrontOptions) => Promise<FrontServer>;

/** The events in a fixture's output. */
export function parseEvents(output: string): FrontEvent[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("EVENT "))
    .map((line) => JSON.parse(line.slice(6)) as FrontEvent);
}

/**
 * Per case name: `skip` for a documented difference of that front (the reason says where it
 * is documented); `fails` for an undocumented one found by this suite, run with `it.fails` so
 * the suite goes red once the front is fixed and the entry must go.
 */
export type Deviations = Partial<Record<string, { skip: string } | { fails: string }>>;

const GOOD = "http://good.example";
const EVIL = "http://evil.example";
const MAX = 1000;
const COOKIE = "parley-sid";

const DEFAULTS: FrontOptions = {
  options: {
    maxHttpBufferSize: MAX,
    cors: { origin: [GOOD], credentials: true },
    cookie: { name: COOKIE, sameSite: "strict" },
    connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
  },
  allowOrigins: [GOOD],
};

// A short interval to see pings soon; a timeout long enough for a loaded machine to pong in.
const FAST_PING = { options: { pingInterval: 300, pingTimeout: 1000, upgradeTimeout: 300 } };

const OTHER_OPTIONS: FrontOptions = {
  options: { path: "/realtime", allowUpgrades: false, allowEIO3: true, httpCompression: false },
};

const WEBSOCKET_ONLY: FrontOptions = { options: { transports: ["websocket"] } };

function errorBody(code: number, message: string) {
  return { code, message };
}

async function expectError(res: Response, status: number, code: number, message: string) {
  expect({
    status: res.status,
    type: res.headers.get("content-type"),
    body: await res.json(),
  }).toEqual({ status, type: "application/json", body: errorBody(code, message) });
}

/** A polling session past the Socket.IO CONNECT: its sid. */
async function pollingSocket(base: string): Promise<string> {
  const { open } = await handshake(base);
  expect(await post(base, open.sid, "40")).toEqual({ status: 200, body: "ok" });
  const [connect] = await getPackets(base, open.sid, 1);
  expect(connect).toMatch(/^40\{"sid":"[^"]+"/);
  return open.sid;
}

export function frontConformance(
  front: string,
  start: StartFront,
  deviations: Deviations = {},
): void {
  const test = (name: string, fn: () => Promise<void>) => {
    const deviation = deviations[name];
    if (deviation === undefined) it(name, fn);
    else if ("skip" in deviation) it.skip(`${name} (skipped on ${front}: ${deviation.skip})`, fn);
    else it.fails(`${name} (KNOWN DEFECT on ${front}: ${deviation.fails})`, fn);
  };

  describe(`${front} front`, () => {
    let server: FrontServer;
    let base: string;
    const clients: Socket[] = [];
    /** The first event of the server's matching `predicate`, once it came. */
    const event = async (predicate: (e: FrontEvent) => boolean, what: string) => {
      await until(() => server.events().some(predicate), what);
      return server.events().find(predicate) as FrontEvent;
    };

    beforeAll(async () => {
      server = await start(DEFAULTS);
      base = server.url;
    });
    afterAll(async () => {
      for (const c of clients) c.disconnect();
      await server?.close();
    });

    test("polling handshake: OPEN packet fields, content type, cookie", async () => {
      const { res, open } = await handshake(base);
      expect(open).toEqual({
        sid: expect.any(String),
        upgrades: ["websocket"],
        pingInterval: 25_000,
        pingTimeout: 20_000,
        maxPayload: MAX,
      });
      expect(res.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
      expect(res.headers.get("set-cookie")).toBe(
        `${COOKIE}=${open.sid}; Path=/; HttpOnly; SameSite=Strict`,
      );
    });

    test("GET/POST round trip, several packets in one payload, base64 binary", async () => {
      const sid = await pollingSocket(base);
      const two = `420["echo","a"]${SEP}421["echo","b",2]`;
      expect(await post(base, sid, two)).toEqual({ status: 200, body: "ok" });
      expect(await getPackets(base, sid, 2)).toEqual(['430["a"]', '431["b",2]']);
      // A binary attachment travels as a base64 `b` packet, both ways.
      const binary = `451-2["echo",{"_placeholder":true,"num":0}]${SEP}bAQID`;
      expect(await post(base, sid, binary)).toEqual({ status: 200, body: "ok" });
      expect(await getPackets(base, sid, 2)).toEqual([
        '461-2[{"_placeholder":true,"num":0}]',
        "bAQID",
      ]);
    });

    test("WebSocket only: OPEN without upgrades, binary frames both ways, cookie", async () => {
      const c = await openWs(base, "transport=websocket");
      const open = (await frame(c, 0)).data as string;
      expect(open[0]).toBe("0");
      expect(JSON.parse(open.slice(1))).toMatchObject({ upgrades: [], maxPayload: MAX });
      c.ws.send("40");
      expect((await frame(c, 1)).data).toMatch(/^40\{"sid":"[^"]+"/);
      c.ws.send('451-0["echo",{"_placeholder":true,"num":0}]');
      c.ws.send(Buffer.from([1, 2, 3]));
      expect(await frame(c, 2)).toEqual({
        data: '461-0[{"_placeholder":true,"num":0}]',
        binary: false,
      });
      expect(await frame(c, 3)).toEqual({ data: Buffer.from([1, 2, 3]), binary: true });
      c.ws.close();
      // As engine.io: the `cookie` option sets it on polling handshakes only (its WebSocket
      // transport emits no "headers"), so a WebSocket-only handshake's 101 has none.
      const up = parseUpgrade(await rawUpgrade(server.port, "EIO=4&transport=websocket"));
      expect(up.status).toBe(101);
      expect(up.headers.get("set-cookie")).toBeUndefined();
    });

    test("upgrade: probe, pending GET released with a noop, then WebSocket only", async () => {
      const sid = await pollingSocket(base);
      const pending = get(base, sid);
      const c = await openWs(base, `transport=websocket&sid=${sid}`);
      c.ws.send("2probe");
      expect((await frame(c, 0)).data).toBe("3probe");
      expect(await pending).toEqual({ status: 200, body: "6" });
      // While probing, a new GET is answered with a noop at once.
      expect(await get(base, sid)).toEqual({ status: 200, body: "6" });
      c.ws.send("5");
      await event((e) => e.type === "upgrade" && e.sid === sid, "the server's upgrade event");
      c.ws.send('420["transport"]');
      expect((await frame(c, 1)).data).toBe('430["websocket"]');
      // Polling for an upgraded session is a bad request.
      await expectError(
        await fetch(eioUrl(base, `transport=polling&sid=${sid}`)),
        400,
        3,
        "Bad request",
      );
      // A second WebSocket for the upgraded session is accepted, then closed (as engine.io).
      const second = await openWs(base, `transport=websocket&sid=${sid}`);
      await second.closed;
      expect(second.frames).toEqual([]);
      // The first one carries the session as before.
      c.ws.send('421["echo","still"]');
      expect((await frame(c, 2)).data).toBe('431["still"]');
      c.ws.close();
    });

    test("initial_headers and headers listeners: handshakes, later requests, 101s", async () => {
      const { res, open } = await handshake(base);
      expect([res.headers.get("x-initial"), res.headers.get("x-every")]).toEqual(["1", "1"]);
      const later = await fetch(eioUrl(base, `transport=polling&sid=${open.sid}`), {
        method: "POST",
        body: "40",
      });
      expect([later.headers.get("x-initial"), later.headers.get("x-every")]).toEqual([null, "1"]);
      const first = parseUpgrade(await rawUpgrade(server.port, "EIO=4&transport=websocket"));
      expect([first.headers.get("x-initial"), first.headers.get("x-every")]).toEqual(["1", "1"]);
      const upgrade = parseUpgrade(
        await rawUpgrade(server.port, `EIO=4&transport=websocket&sid=${open.sid}`),
      );
      expect(upgrade.status).toBe(101);
      expect([upgrade.headers.get("x-initial"), upgrade.headers.get("x-every")]).toEqual([
        undefined,
        "1",
      ]);
    });

    test("httpCompression: a large polling response is gzipped when the client asks", async () => {
      const sid = await pollingSocket(base);
      const raw = (encoding: string | undefined) =>
        new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
          const headers: Record<string, string> =
            encoding === undefined ? {} : { "Accept-Encoding": encoding };
          httpGet(eioUrl(base, `transport=polling&sid=${sid}`), { headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () =>
              resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
            );
          }).on("error", reject);
        });
      const expected = `430["${"x".repeat(3000)}"]`;
      await post(base, sid, '420["big",3000]');
      const gzipped = await raw("gzip, deflate");
      expect(gzipped.encoding).toBe("gzip");
      expect(gunzipSync(gzipped.body).toString()).toBe(expected);
      await post(base, sid, '421["big",3000]');
      const plain = await raw(undefined);
      expect(plain.encoding).toBeUndefined();
      expect(plain.body.toString()).toBe(expected.replace("430", "431"));
    });

    test("errors: engine.io's status and JSON body, CORS headers on them", async () => {
      const before = server.events().length;
      await expectError(await fetch(eioUrl(base, "transport=pigeon")), 400, 0, "Transport unknown");
      await expectError(
        await fetch(eioUrl(base, "transport=polling&sid=nope")),
        400,
        1,
        "Session ID unknown",
      );
      await expectError(
        await fetch(eioUrl(base, "transport=polling"), { method: "POST", body: "40" }),
        400,
        2,
        "Bad handshake method",
      );
      const v3 = await fetch(`${base}socket.io/?EIO=3&transport=polling`);
      await expectError(v3, 400, 5, "Unsupported protocol version");
      // Polling with the sid of a WebSocket session: a bad request.
      const c = await openWs(base, "transport=websocket");
      const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
      await expectError(
        await fetch(eioUrl(base, `transport=polling&sid=${sid}`)),
        400,
        3,
        "Bad request",
      );
      c.ws.close();
      const withOrigin = await fetch(eioUrl(base, "transport=pigeon"), {
        headers: { Origin: GOOD },
      });
      expect(withOrigin.headers.get("access-control-allow-origin")).toBe(GOOD);
      await expectError(withOrigin, 400, 0, "Transport unknown");
      // The same refusals on a WebSocket upgrade request.
      const upgrade = async (query: string) => {
        const { status, body } = parseUpgrade(await rawUpgrade(server.port, query));
        return { status, body };
      };
      expect(await upgrade("EIO=4&transport=pigeon")).toEqual({
        status: 400,
        body: errorBody(0, "Transport unknown"),
      });
      expect(await upgrade("EIO=4&transport=websocket&sid=nope")).toEqual({
        status: 400,
        body: errorBody(1, "Session ID unknown"),
      });
      expect(await upgrade("EIO=4&transport=polling")).toEqual({
        status: 400,
        body: errorBody(3, "Bad request"),
      });
      // A plain GET (no Upgrade) for the websocket transport.
      await expectError(await fetch(eioUrl(base, "transport=websocket")), 400, 3, "Bad request");
      // Each refusal is a connection_error for the app, in order.
      const codes = server
        .events()
        .slice(before)
        .filter((e) => e.type === "connection_error")
        .map((e) => e.code);
      expect(codes).toEqual([0, 1, 2, 5, 3, 0, 0, 1, 3, 3]);
    });

    test("allowRequest refuses a wrong Origin: 403 code 4, polling and WebSocket", async () => {
      await expectError(
        await fetch(eioUrl(base, "transport=polling"), { headers: { Origin: EVIL } }),
        403,
        4,
        "Forbidden",
      );
      const up = parseUpgrade(
        await rawUpgrade(server.port, "EIO=4&transport=websocket", { Origin: EVIL }),
      );
      expect({ status: up.status, body: up.body }).toEqual({
        status: 403,
        body: errorBody(4, "Forbidden"),
      });
      await event(
        (e) => e.type === "connection_error" && e.code === 4,
        "the server's connection_error",
      );
      const { res } = await handshake(base, { Origin: GOOD });
      expect(res.status).toBe(200);
    });

    test("CORS: preflight and actual requests, with credentials", async () => {
      const preflight = await fetch(eioUrl(base, "transport=polling"), {
        method: "OPTIONS",
        headers: {
          Origin: GOOD,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe(GOOD);
      expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
      expect(preflight.headers.get("access-control-allow-methods")).toBe(
        "GET,HEAD,PUT,PATCH,POST,DELETE",
      );
      expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type");
      expect(preflight.headers.get("vary")).toMatch(/origin/i);
      const { res, open } = await handshake(base, { Origin: GOOD });
      expect(res.headers.get("access-control-allow-origin")).toBe(GOOD);
      expect(res.headers.get("access-control-allow-credentials")).toBe("true");
      const posted = await fetch(eioUrl(base, `transport=polling&sid=${open.sid}`), {
        method: "POST",
        body: "40",
        headers: { Origin: GOOD },
      });
      expect(posted.status).toBe(200);
      expect(posted.headers.get("access-control-allow-origin")).toBe(GOOD);
      const refused = await fetch(eioUrl(base, "transport=polling"), {
        method: "OPTIONS",
        headers: { Origin: EVIL, "Access-Control-Request-Method": "GET" },
      });
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    });

    test("maxHttpBufferSize on polling: 413, that session ends, others go on", async () => {
      const a = await handshake(base);
      const b = await handshake(base);
      const res = await post(base, a.open.sid, `4${"x".repeat(MAX * 5)}`);
      expect(res.status).toBe(413);
      const closed = await event((e) => e.type === "close" && e.sid === a.open.sid, "close");
      expect(closed.reason).toBe("transport error");
      expect((await post(base, b.open.sid, "40")).status).toBe(200);
    });

    test("maxHttpBufferSize on WebSocket: close 1009, that session ends", async () => {
      const c = await openWs(base, "transport=websocket");
      const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
      c.ws.send(`4${"x".repeat(MAX * 2)}`);
      expect(await c.closed).toBe(1009);
      const closed = await event((e) => e.type === "close" && e.sid === sid, "close");
      expect(closed.reason).toBe("transport error");
    });

    test("maxHttpBufferSize counts bytes, not characters; the limit itself is allowed", async () => {
      const a = await handshake(base);
      // 1 + 499 × 2 = 999 bytes, then 1000: both fit.
      expect(await post(base, a.open.sid, `4${"é".repeat(499)}`)).toEqual({
        status: 200,
        body: "ok",
      });
      expect(await post(base, a.open.sid, `4${"é".repeat(499)}x`)).toEqual({
        status: 200,
        body: "ok",
      });
      expect(server.events().filter((e) => e.sid === a.open.sid)).toEqual([]);
      // 601 characters, 1201 bytes: over.
      expect((await post(base, a.open.sid, `4${"é".repeat(600)}`)).status).toBe(413);
      await event((e) => e.type === "close" && e.sid === a.open.sid, "close");
      // The same on a WebSocket: 1000 bytes pass, 1001 (in 501 characters) do not.
      const c = await openWs(base, "transport=websocket");
      const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
      c.ws.send("40");
      await frame(c, 1);
      c.ws.send(`42["echo","${"é".repeat(493)}x"]`);
      expect(Buffer.byteLength(`42["echo","${"é".repeat(493)}x"]`)).toBe(MAX);
      expect((await frame(c, 2)).data).toMatch(/^42\["echo","é+x"/);
      c.ws.send(`42["echo","${"é".repeat(493)}xx"]`);
      expect(await c.closed).toBe(1009);
      await event((e) => e.type === "close" && e.sid === sid, "close");
    });

    test("a chunked POST that grows past maxHttpBufferSize → 413", async () => {
      const { open } = await handshake(base);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          eioUrl(base, `transport=polling&sid=${open.sid}`),
          { method: "POST" },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.write(`4${"y".repeat(600)}`);
        setTimeout(() => req.end("z".repeat(600)), 10);
      });
      expect(status).toBe(413);
      const closed = await event((e) => e.type === "close" && e.sid === open.sid, "close");
      expect(closed.reason).toBe("transport error");
    });

    test("protocol violations: the session's close reason", async () => {
      const reasonOf = async (sid: string) =>
        (await event((e) => e.type === "close" && e.sid === sid, `the close of ${sid}`)).reason;
      // An unknown packet type over polling.
      const a = await handshake(base);
      await post(base, a.open.sid, "9garbage");
      expect(await reasonOf(a.open.sid)).toBe("parse error");
      // A ping from the client (the wrong direction in v4).
      const b = await handshake(base);
      await post(base, b.open.sid, "2");
      expect(await reasonOf(b.open.sid)).toBe("transport error");
      // The same two over a WebSocket.
      for (const [packet, reason] of [
        ["9what", "parse error"],
        ["2", "transport error"],
      ] as const) {
        const c = await openWs(base, "transport=websocket");
        const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as {
          sid: string;
        };
        c.ws.send(packet);
        expect(await reasonOf(sid)).toBe(reason);
        await c.closed;
      }
      // A closed session's sid is unknown from then on.
      await expectError(
        await fetch(eioUrl(base, `transport=polling&sid=${a.open.sid}`)),
        400,
        1,
        "Session ID unknown",
      );
    });

    test("polling: overlapping GETs → 400, the session ends, the other GET gets a close", async () => {
      const { open } = await handshake(base);
      // Whichever the server took first is the pending one: the other is the overlap.
      const answers = await Promise.all([get(base, open.sid), get(base, open.sid)]);
      answers.sort((a, b) => a.status - b.status);
      expect(answers).toEqual([
        { status: 200, body: "1" },
        { status: 400, body: expect.any(String) },
      ]);
      const closed = await event((e) => e.type === "close" && e.sid === open.sid, "close");
      expect(closed.reason).toBe("transport error");
    });

    test("polling: a GET the client aborts ends the session: transport error", async () => {
      const { open } = await handshake(base);
      const ac = new AbortController();
      const pending = get(base, open.sid, { signal: ac.signal }).catch(() => "aborted");
      // Not a bound on anything: time for the GET to be parked before it is cut.
      await new Promise((resolve) => setTimeout(resolve, 200));
      ac.abort();
      expect(await pending).toBe("aborted");
      const closed = await event((e) => e.type === "close" && e.sid === open.sid, "close");
      expect(closed.reason).toBe("transport error");
    });

    test("polling: POST application/octet-stream → 400, the session ends", async () => {
      const { open } = await handshake(base);
      const res = await fetch(eioUrl(base, `transport=polling&sid=${open.sid}`), {
        method: "POST",
        body: new Uint8Array([0, 1, 2]),
        headers: { "Content-Type": "application/octet-stream" },
      });
      expect(res.status).toBe(400);
      await event((e) => e.type === "close" && e.sid === open.sid, "close");
    });

    test("close packets: from the client (polling, WebSocket) and from the server", async () => {
      const { open } = await handshake(base);
      expect(await post(base, open.sid, "1")).toEqual({ status: 200, body: "ok" });
      const byPolling = await event((e) => e.type === "close" && e.sid === open.sid, "close");
      expect(byPolling.reason).toBe("transport close");
      const c = await openWs(base, "transport=websocket");
      const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
      c.ws.send("1");
      const byWs = await event((e) => e.type === "close" && e.sid === sid, "close");
      expect(byWs.reason).toBe("transport close");
      await c.closed;
      // The server closing a polling session answers the pending GET with a close packet.
      const polling = await pollingSocket(base);
      const pending = get(base, polling);
      expect(await post(base, polling, '42["drop"]')).toEqual({ status: 200, body: "ok" });
      expect(await pending).toEqual({ status: 200, body: "1" });
      const forced = await event((e) => e.type === "close" && e.sid === polling, "close");
      expect(forced.reason).toBe("forced close");
    });

    const recovering = (transports: ("polling" | "websocket")[]) => {
      const c = officialIo(base, {
        forceNew: true,
        transports,
        reconnectionDelay: 50,
        reconnectionDelayMax: 50,
        extraHeaders: { Origin: GOOD },
      });
      clients.push(c);
      return c;
    };

    const drops = [
      ["server", "websocket"],
      ["client", "websocket"],
      ["server", "polling"],
      ["client", "polling"],
    ] as const;
    for (const [side, transport] of drops) {
      test(`connection state recovery after a ${side}-side drop (${transport})`, async () => {
        const c = recovering([transport]);
        const got: unknown[] = [];
        c.on("news", (v: unknown) => got.push(v));
        await new Promise<void>((resolve) => c.once("connect", () => resolve()));
        const id = c.id as string;
        c.emit("broadcast", "before");
        await until(() => got.length === 1, "the first broadcast");
        if (side === "server") c.emit("drop");
        else c.io.engine.close();
        const reason = side === "server" ? "forced close" : "transport close";
        await event((e) => e.type === "disconnect" && e.id === id, "the server's disconnect");
        await until(() => c.connected && got.length >= 2, "the recovery");
        expect(c.recovered).toBe(true);
        expect(c.id).toBe(id);
        expect(server.events().filter((e) => e.type === "connect" && e.id === id)).toEqual([
          { type: "connect", id, recovered: false },
          { type: "connect", id, recovered: true },
        ]);
        expect(server.events().find((e) => e.type === "disconnect" && e.id === id)?.reason).toBe(
          reason,
        );
        c.emit("broadcast", "after");
        await until(() => got.includes("after"), "a broadcast after the recovery");
        expect(got).toEqual(["before", `missed: ${reason}`, "after"]);
        c.disconnect();
      });
    }
  });

  describe(`${front} front: heartbeat`, () => {
    let server: FrontServer;
    let base: string;
    const closeOf = async (sid: string) => {
      await until(
        () => server.events().some((e) => e.type === "close" && e.sid === sid),
        `the close of ${sid}`,
      );
      return server.events().find((e) => e.type === "close" && e.sid === sid)?.reason;
    };

    beforeAll(async () => {
      server = await start(FAST_PING);
      base = server.url;
    });
    afterAll(async () => {
      await server?.close();
    });

    test("a polling client that stops answering pings is closed: ping timeout", async () => {
      const { open } = await handshake(base);
      expect(open).toMatchObject({ pingInterval: 300, pingTimeout: 1000 });
      expect(await closeOf(open.sid)).toBe("ping timeout");
      await expectError(
        await fetch(eioUrl(base, `transport=polling&sid=${open.sid}`)),
        400,
        1,
        "Session ID unknown",
      );
    });

    test("a WebSocket client that stops answering pings is closed: ping timeout", async () => {
      const c = await openWs(base, "transport=websocket");
      const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
      expect((await frame(c, 1)).data).toBe("2");
      expect(await closeOf(sid)).toBe("ping timeout");
      await c.closed;
    });

    test("a polling client that answers its pings stays open", async () => {
      const { open } = await handshake(base);
      for (let i = 0; i < 3; i++) {
        const { status, body } = await get(base, open.sid);
        expect({ status, body }).toEqual({ status: 200, body: "2" });
        expect(await post(base, open.sid, "3")).toEqual({ status: 200, body: "ok" });
      }
      expect(server.events().filter((e) => e.sid === open.sid)).toEqual([]);
    });

    test("a probe that never sends upgrade is closed after upgradeTimeout; polling goes on", async () => {
      const sid = await pollingSocket(base);
      const c = await openWs(base, `transport=websocket&sid=${sid}`);
      c.ws.send("2probe");
      expect((await frame(c, 0)).data).toBe("3probe");
      await c.closed;
      expect(server.events().filter((e) => e.sid === sid)).toEqual([]);
      expect(await post(base, sid, '420["transport"]')).toEqual({ status: 200, body: "ok" });
      const packets = await getPackets(base, sid, 1);
      expect(packets.filter((p) => p !== "2")).toEqual(['430["polling"]']);
    });
  });

  describe(`${front} front: path, allowUpgrades, allowEIO3, httpCompression off`, () => {
    let server: FrontServer;
    let base: string;
    const path = "realtime";

    beforeAll(async () => {
      server = await start(OTHER_OPTIONS);
      base = server.url;
    });
    afterAll(async () => {
      await server?.close();
    });

    test("the engine answers under its path, with no upgrades offered", async () => {
      const res = await fetch(eioUrl(base, "transport=polling", path));
      const body = await res.text();
      expect(body[0]).toBe("0");
      const open = JSON.parse(body.slice(1)) as { sid: string; upgrades: string[] };
      expect(open.upgrades).toEqual([]);
      // A WebSocket for the polling session anyway: accepted, then closed.
      const c = await openWs(base, `transport=websocket&sid=${open.sid}`, path);
      await c.closed;
      expect(c.frames).toEqual([]);
      const posted = await fetch(eioUrl(base, `transport=polling&sid=${open.sid}`, path), {
        method: "POST",
        body: "40",
      });
      expect(posted.status).toBe(200);
    });

    test("Engine.IO v3 clients: the v3 polling payload and WebSocket", async () => {
      const res = await fetch(eioUrl(base, "EIO=3&transport=polling", path));
      expect(res.status).toBe(200);
      const body = await res.text();
      const open = /^(\d+):0(\{.*?\})(?=\d+:|$)/.exec(body);
      expect(open?.[2]).toBeDefined();
      expect(Number(open?.[1])).toBe((open?.[2]?.length ?? 0) + 1);
      expect(JSON.parse(open?.[2] ?? "{}")).toMatchObject({ upgrades: [] });
      // socket.io connects a v3 (socket.io v2) client to "/" by itself: "40" comes next.
      const sid = (JSON.parse(open?.[2] ?? "{}") as { sid: string }).sid;
      const rest = body.slice(open?.[0].length);
      const next =
        rest !== ""
          ? rest
          : await (await fetch(eioUrl(base, `EIO=3&transport=polling&sid=${sid}`, path))).text();
      expect(next).toBe("2:40");
      const c = await openWs(base, "EIO=3&transport=websocket", path);
      expect((await frame(c, 0)).data).toMatch(/^0\{"sid"/);
      expect((await frame(c, 1)).data).toBe("40");
      c.ws.close();
    });

    test("httpCompression: false leaves large polling responses as they are", async () => {
      const res = await fetch(eioUrl(base, "transport=polling", path));
      const { sid } = JSON.parse((await res.text()).slice(1)) as { sid: string };
      const url = eioUrl(base, `transport=polling&sid=${sid}`, path);
      await fetch(url, { method: "POST", body: "40" });
      await fetch(url);
      await fetch(url, { method: "POST", body: '420["big",3000]' });
      const big = await fetch(url, { headers: { "Accept-Encoding": "gzip" } });
      expect(big.headers.get("content-encoding")).toBeNull();
      expect(await big.text()).toBe(`430["${"x".repeat(3000)}"]`);
    });
  });

  describe(`${front} front: transports: ["websocket"]`, () => {
    let server: FrontServer;
    let base: string;

    beforeAll(async () => {
      server = await start(WEBSOCKET_ONLY);
      base = server.url;
    });
    afterAll(async () => {
      await server?.close();
    });

    test("polling is an unknown transport; WebSocket works", async () => {
      await expectError(
        await fetch(eioUrl(base, "transport=polling")),
        400,
        0,
        "Transport unknown",
      );
      const c = await openWs(base, "transport=websocket");
      expect(JSON.parse(((await frame(c, 0)).data as string).slice(1))).toMatchObject({
        upgrades: [],
      });
      c.ws.send("40");
      c.ws.send('420["transport"]');
      expect((await frame(c, 2)).data).toBe('430["websocket"]');
      c.ws.close();
    });
  });
}
