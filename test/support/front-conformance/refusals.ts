// Front conformance: what the fronts refuse, and how (engine.io's statuses and JSON bodies,
// allowRequest, CORS, maxHttpBufferSize, protocol violations, misused polling).
import { request as httpRequest } from "node:http";
import { expect } from "vitest";
import {
  eioUrl,
  frame,
  get,
  handshake,
  openWs,
  parseUpgrade,
  post,
  rawUpgrade,
} from "../front-protocol.js";
import { type CaseContext, EVIL, errorBody, expectError, GOOD, MAX } from "./shared.js";

/** Run against DEFAULTS. */
export function refusalCases(ctx: CaseContext): void {
  const { test, server, base, event } = ctx;
  test("errors: engine.io's status and JSON body, CORS headers on them", async () => {
    const before = server().events().length;
    await expectError(await fetch(eioUrl(base(), "transport=pigeon")), 400, 0, "Transport unknown");
    await expectError(
      await fetch(eioUrl(base(), "transport=polling&sid=nope")),
      400,
      1,
      "Session ID unknown",
    );
    await expectError(
      await fetch(eioUrl(base(), "transport=polling"), { method: "POST", body: "40" }),
      400,
      2,
      "Bad handshake method",
    );
    const v3 = await fetch(`${base()}socket.io/?EIO=3&transport=polling`);
    await expectError(v3, 400, 5, "Unsupported protocol version");
    // Polling with the sid of a WebSocket session: a bad request.
    const c = await openWs(base(), "transport=websocket");
    const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
    await expectError(
      await fetch(eioUrl(base(), `transport=polling&sid=${sid}`)),
      400,
      3,
      "Bad request",
    );
    c.ws.close();
    const withOrigin = await fetch(eioUrl(base(), "transport=pigeon"), {
      headers: { Origin: GOOD },
    });
    expect(withOrigin.headers.get("access-control-allow-origin")).toBe(GOOD);
    await expectError(withOrigin, 400, 0, "Transport unknown");
    // The same refusals on a WebSocket upgrade request.
    const upgrade = async (query: string) => {
      const { status, body } = parseUpgrade(await rawUpgrade(server().port, query));
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
    await expectError(await fetch(eioUrl(base(), "transport=websocket")), 400, 3, "Bad request");
    // Each refusal is a connection_error for the app, in order.
    const codes = server()
      .events()
      .slice(before)
      .filter((e) => e.type === "connection_error")
      .map((e) => e.code);
    expect(codes).toEqual([0, 1, 2, 5, 3, 0, 0, 1, 3, 3]);
  });

  test("methods other than GET and POST on a session: 400 code 3, the session goes on", async () => {
    const { open } = await handshake(base());
    const url = eioUrl(base(), `transport=polling&sid=${open.sid}`);
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      await expectError(await fetch(url, { method, body: "40" }), 400, 3, "Bad request");
    }
    expect(await post(base(), open.sid, "40")).toEqual({ status: 200, body: "ok" });
    expect(
      server()
        .events()
        .filter((e) => e.sid === open.sid),
    ).toEqual([]);
  });

  test("allowRequest refuses a wrong Origin: 403 code 4, polling and WebSocket", async () => {
    await expectError(
      await fetch(eioUrl(base(), "transport=polling"), { headers: { Origin: EVIL } }),
      403,
      4,
      "Forbidden",
    );
    const up = parseUpgrade(
      await rawUpgrade(server().port, "EIO=4&transport=websocket", { Origin: EVIL }),
    );
    expect({ status: up.status, body: up.body }).toEqual({
      status: 403,
      body: errorBody(4, "Forbidden"),
    });
    await event(
      (e) => e.type === "connection_error" && e.code === 4,
      "the server's connection_error",
    );
    const { res } = await handshake(base(), { Origin: GOOD });
    expect(res.status).toBe(200);
  });

  test("CORS: preflight and actual requests, with credentials", async () => {
    const preflight = await fetch(eioUrl(base(), "transport=polling"), {
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
    const { res, open } = await handshake(base(), { Origin: GOOD });
    expect(res.headers.get("access-control-allow-origin")).toBe(GOOD);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    const posted = await fetch(eioUrl(base(), `transport=polling&sid=${open.sid}`), {
      method: "POST",
      body: "40",
      headers: { Origin: GOOD },
    });
    expect(posted.status).toBe(200);
    expect(posted.headers.get("access-control-allow-origin")).toBe(GOOD);
    const refused = await fetch(eioUrl(base(), "transport=polling"), {
      method: "OPTIONS",
      headers: { Origin: EVIL, "Access-Control-Request-Method": "GET" },
    });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("maxHttpBufferSize on polling: 413, that session ends, others go on", async () => {
    const a = await handshake(base());
    const b = await handshake(base());
    const res = await post(base(), a.open.sid, `4${"x".repeat(MAX * 5)}`);
    expect(res.status).toBe(413);
    const closed = await event((e) => e.type === "close" && e.sid === a.open.sid, "close");
    expect(closed.reason).toBe("transport error");
    expect((await post(base(), b.open.sid, "40")).status).toBe(200);
  });

  test("maxHttpBufferSize on WebSocket: close 1009, that session ends", async () => {
    const c = await openWs(base(), "transport=websocket");
    const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
    c.ws.send(`4${"x".repeat(MAX * 2)}`);
    expect(await c.closed).toBe(1009);
    const closed = await event((e) => e.type === "close" && e.sid === sid, "close");
    expect(closed.reason).toBe("transport error");
  });

  test("maxHttpBufferSize counts bytes, not characters; the limit itself is allowed", async () => {
    const a = await handshake(base());
    // 1 + 499 × 2 = 999 bytes, then 1000: both fit.
    expect(await post(base(), a.open.sid, `4${"é".repeat(499)}`)).toEqual({
      status: 200,
      body: "ok",
    });
    expect(await post(base(), a.open.sid, `4${"é".repeat(499)}x`)).toEqual({
      status: 200,
      body: "ok",
    });
    expect(
      server()
        .events()
        .filter((e) => e.sid === a.open.sid),
    ).toEqual([]);
    // 601 characters, 1201 bytes: over.
    expect((await post(base(), a.open.sid, `4${"é".repeat(600)}`)).status).toBe(413);
    await event((e) => e.type === "close" && e.sid === a.open.sid, "close");
    // The same on a WebSocket: 1000 bytes pass, 1001 (in 501 characters) do not.
    const c = await openWs(base(), "transport=websocket");
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
    const { open } = await handshake(base());
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        eioUrl(base(), `transport=polling&sid=${open.sid}`),
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
    const a = await handshake(base());
    await post(base(), a.open.sid, "9garbage");
    expect(await reasonOf(a.open.sid)).toBe("parse error");
    // A ping from the client (the wrong direction in v4).
    const b = await handshake(base());
    await post(base(), b.open.sid, "2");
    expect(await reasonOf(b.open.sid)).toBe("transport error");
    // The same two over a WebSocket.
    for (const [packet, reason] of [
      ["9what", "parse error"],
      ["2", "transport error"],
    ] as const) {
      const c = await openWs(base(), "transport=websocket");
      const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as {
        sid: string;
      };
      c.ws.send(packet);
      expect(await reasonOf(sid)).toBe(reason);
      await c.closed;
    }
    // A closed session's sid is unknown from then on.
    await expectError(
      await fetch(eioUrl(base(), `transport=polling&sid=${a.open.sid}`)),
      400,
      1,
      "Session ID unknown",
    );
  });

  test("polling: overlapping GETs → 400, the session ends, the other GET gets a close", async () => {
    const { open } = await handshake(base());
    // Whichever the server took first is the pending one: the other is the overlap.
    const answers = await Promise.all([get(base(), open.sid), get(base(), open.sid)]);
    answers.sort((a, b) => a.status - b.status);
    expect(answers).toEqual([
      { status: 200, body: "1" },
      { status: 400, body: expect.any(String) },
    ]);
    const closed = await event((e) => e.type === "close" && e.sid === open.sid, "close");
    expect(closed.reason).toBe("transport error");
  });

  test("polling: a POST while another is still being read → 400, the session ends", async () => {
    const { open } = await handshake(base());
    const url = eioUrl(base(), `transport=polling&sid=${open.sid}`);
    // The first POST sends part of its body and waits; the second overlaps it.
    const first = httpRequest(url, { method: "POST", headers: { "Content-Length": "100" } });
    const firstAnswer = new Promise<number>((resolve) => {
      first.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      first.on("error", () => resolve(-1));
    });
    first.write("4");
    first.flushHeaders();
    // Not a bound: time for the first POST to be in the server's hands.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await post(base(), open.sid, "4second");
    expect(second.status).toBe(400);
    const closed = await event((e) => e.type === "close" && e.sid === open.sid, "close");
    expect(closed.reason).toBe("transport error");
    first.destroy();
    console.log(`the first (overlapped) POST ended with ${await firstAnswer}`);
  });

  test("polling: a GET the client aborts ends the session: transport error", async () => {
    const { open } = await handshake(base());
    const ac = new AbortController();
    const pending = get(base(), open.sid, { signal: ac.signal }).catch(() => "aborted");
    // Not a bound on anything: time for the GET to be parked before it is cut.
    await new Promise((resolve) => setTimeout(resolve, 200));
    ac.abort();
    expect(await pending).toBe("aborted");
    const closed = await event((e) => e.type === "close" && e.sid === open.sid, "close");
    expect(closed.reason).toBe("transport error");
  });

  test("polling: POST application/octet-stream → 400, the session ends", async () => {
    const { open } = await handshake(base());
    const res = await fetch(eioUrl(base(), `transport=polling&sid=${open.sid}`), {
      method: "POST",
      body: new Uint8Array([0, 1, 2]),
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(res.status).toBe(400);
    await event((e) => e.type === "close" && e.sid === open.sid, "close");
  });
}
