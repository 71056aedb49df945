import { afterEach, describe, expect, it } from "vitest";
import type { EngineConnection, EngineConnectionError } from "../../src/engine/index.js";
import {
  collect,
  once,
  pollingHandshake,
  rawUpgrade,
  runCleanups,
  startEngine,
  until,
  upgradeBody,
} from "./helpers.js";

afterEach(runCleanups);

async function expectError(res: Response, status: number, code: number, message: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(await res.json()).toEqual({ code, message });
}

describe("HTTP errors (engine.io codes, JSON bodies)", () => {
  it("unknown, missing and prototype-named transports → 400 code 0", async () => {
    const h = await startEngine();
    const errors = collect<EngineConnectionError>(h.engine, "connection_error");
    for (const q of [
      "transport=carrier-pigeon",
      "",
      "transport=__proto__",
      "transport=constructor",
    ]) {
      await expectError(await fetch(h.url(q)), 400, 0, "Transport unknown");
    }
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatchObject({ code: 0, message: "Transport unknown" });
    expect(errors[0]?.context).toEqual({ transport: "carrier-pigeon" });
    expect(errors[0]?.req.url).toContain("carrier-pigeon");
  });

  it("a transport that is disabled is unknown", async () => {
    const h = await startEngine({ transports: ["websocket"] });
    await expectError(await fetch(h.url("transport=polling")), 400, 0, "Transport unknown");
  });

  it("unknown sid → 400 code 1, including prototype names", async () => {
    const h = await startEngine();
    for (const sid of ["nope", "__proto__", "toString"]) {
      await expectError(
        await fetch(h.url(`transport=polling&sid=${sid}`)),
        400,
        1,
        "Session ID unknown",
      );
    }
  });

  it("a handshake with POST → 400 code 2", async () => {
    const h = await startEngine();
    await expectError(
      await fetch(h.url("transport=polling"), { method: "POST", body: "4x" }),
      400,
      2,
      "Bad handshake method",
    );
  });

  it("EIO=3 or no EIO → 400 code 5", async () => {
    const h = await startEngine();
    const res = await fetch(`http://127.0.0.1:${h.port}/socket.io/?EIO=3&transport=polling`);
    await expectError(res, 400, 5, "Unsupported protocol version");
    const res2 = await fetch(`http://127.0.0.1:${h.port}/socket.io/?transport=polling`);
    await expectError(res2, 400, 5, "Unsupported protocol version");
  });

  it("transport=websocket over plain GET → 400 code 3", async () => {
    const h = await startEngine();
    await expectError(await fetch(h.url("transport=websocket")), 400, 3, "Bad request");
  });

  it("a sid used with another transport than its own → 400 code 3", async () => {
    const h = await startEngine();
    const { sid } = await pollingHandshake(h);
    await expectError(await fetch(h.url(`transport=websocket&sid=${sid}`)), 400, 3, "Bad request");
  });

  it("…reported as TRANSPORT_MISMATCH even without EIO=4, as engine.io reports it", async () => {
    const h = await startEngine();
    const errors = collect<EngineConnectionError>(h.engine, "connection_error");
    const { sid } = await pollingHandshake(h);
    const url = h.url(`transport=websocket&sid=${sid}`).replace("EIO=4&", "");
    await expectError(await fetch(url), 400, 3, "Bad request");
    expect(errors[0]?.context).toEqual({
      name: "TRANSPORT_MISMATCH",
      transport: "websocket",
      previousTransport: "polling",
    });
  });

  it("allowRequest refusal → 403 with its message; acceptance goes through", async () => {
    const h = await startEngine({
      allowRequest: (req, cb) => {
        if (req.headers["x-token"] === "ok") cb(null, true);
        else cb("token required", false);
      },
    });
    const errors = collect<EngineConnectionError>(h.engine, "connection_error");
    await expectError(await fetch(h.url("transport=polling")), 403, 4, "token required");
    expect(errors[0]).toMatchObject({
      code: 4,
      message: "Forbidden",
      context: { message: "token required" },
    });
    const ok = await fetch(h.url("transport=polling"), { headers: { "x-token": "ok" } });
    expect(ok.status).toBe(200);
    const upgrade = upgradeBody(await rawUpgrade(h, "EIO=4&transport=websocket"));
    expect(upgrade).toEqual({ status: 403, body: { code: 4, message: "token required" } });
  });

  it("allowRequest that throws refuses with 403 and the server keeps going", async () => {
    const h = await startEngine({
      allowRequest: () => {
        throw new Error("boom");
      },
    });
    h.engine.on("error", () => {});
    await expectError(await fetch(h.url("transport=polling")), 403, 4, "Forbidden");
  });

  it("a method other than GET/POST on a session → 400", async () => {
    const h = await startEngine();
    const { sid } = await pollingHandshake(h);
    const res = await fetch(h.url(`transport=polling&sid=${sid}`), { method: "PUT", body: "x" });
    await expectError(res, 400, 3, "Bad request");
  });
});

describe("upgrade refusals are real HTTP responses", () => {
  it("unknown transport, unknown sid, bad EIO, polling over upgrade", async () => {
    const h = await startEngine();
    expect(upgradeBody(await rawUpgrade(h, "EIO=4&transport=__proto__"))).toEqual({
      status: 400,
      body: { code: 0, message: "Transport unknown" },
    });
    expect(upgradeBody(await rawUpgrade(h, "EIO=4&transport=websocket&sid=nope"))).toEqual({
      status: 400,
      body: { code: 1, message: "Session ID unknown" },
    });
    expect(upgradeBody(await rawUpgrade(h, "EIO=3&transport=websocket"))).toEqual({
      status: 400,
      body: { code: 5, message: "Unsupported protocol version" },
    });
    expect(upgradeBody(await rawUpgrade(h, "EIO=4&transport=polling"))).toEqual({
      status: 400,
      body: { code: 3, message: "Bad request" },
    });
  });

  it("websocket disabled → code 0 on upgrade", async () => {
    const h = await startEngine({ transports: ["polling"] });
    expect(upgradeBody(await rawUpgrade(h, "EIO=4&transport=websocket"))).toEqual({
      status: 400,
      body: { code: 0, message: "Transport unknown" },
    });
  });

  it("a second WebSocket for a session probing or upgraded is accepted, then closed (as engine.io)", async () => {
    const h = await startEngine();
    const errors = collect(h.engine, "connection_error");
    const { sid } = await pollingHandshake(h);
    const WebSocket = (await import("ws")).default;
    const ws = new WebSocket(h.wsUrl(`transport=websocket&sid=${sid}`));
    await new Promise((r) => ws.once("open", r));
    const secondWhileProbing = async () => {
      const second = new WebSocket(h.wsUrl(`transport=websocket&sid=${sid}`));
      const statuses: number[] = [];
      second.on("upgrade", (res) => statuses.push(res.statusCode ?? 0));
      second.on("unexpected-response", (_req, res) => statuses.push(res.statusCode ?? 0));
      await new Promise((r) => second.once("close", r));
      return statuses;
    };
    expect(await secondWhileProbing()).toEqual([101]);
    // Complete the upgrade on the first one, then try again.
    const frames = collect<Buffer>(ws, "message");
    ws.send("2probe");
    await until(() => frames.some((f) => f.toString() === "3probe"));
    ws.send("5");
    const conn = h.engine.clients.get(sid);
    await until(() => conn?.transport.name === "websocket");
    expect(await secondWhileProbing()).toEqual([101]);
    expect(errors).toEqual([]);
    // The first WebSocket carries the session as before.
    const got = once(conn as EngineConnection, "message");
    ws.send("4still here");
    expect(String(await got)).toBe("still here");
    expect(conn?.readyState).toBe("open");
    ws.terminate();
  });
});

describe("CORS", () => {
  it("a restricted origin list: allowed origin gets headers, a foreign one 403 (polling and upgrade)", async () => {
    const h = await startEngine({ cors: { origin: ["https://app.example"], credentials: true } });
    const ok = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://app.example" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    expect(ok.headers.get("vary")).toBe("Origin");
    const bad = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://evil.example" },
    });
    await expectError(bad, 403, 4, "Forbidden");
    const noOrigin = await fetch(h.url("transport=polling"));
    expect(noOrigin.status).toBe(200);
    const up = upgradeBody(
      await rawUpgrade(h, "EIO=4&transport=websocket", { Origin: "https://evil.example" }),
    );
    expect(up).toEqual({ status: 403, body: { code: 4, message: "Forbidden" } });
    const upOk = await rawUpgrade(
      h,
      "EIO=4&transport=websocket",
      { Origin: "https://app.example" },
      true,
    );
    expect(upOk.startsWith("HTTP/1.1 101")).toBe(true);
  });

  it("RegExp and function origins", async () => {
    const h = await startEngine({ cors: { origin: /\.good\.example$/ } });
    expect(
      (await fetch(h.url("transport=polling"), { headers: { Origin: "https://a.good.example" } }))
        .status,
    ).toBe(200);
    expect(
      (
        await fetch(h.url("transport=polling"), {
          headers: { Origin: "https://good.example.evil" },
        })
      ).status,
    ).toBe(403);
    const f = await startEngine({
      cors: {
        origin: (origin, cb) => setTimeout(() => cb(null, origin === "https://fn.example"), 1),
      },
    });
    expect(
      (await fetch(f.url("transport=polling"), { headers: { Origin: "https://fn.example" } }))
        .status,
    ).toBe(200);
    expect(
      (await fetch(f.url("transport=polling"), { headers: { Origin: "https://x.example" } }))
        .status,
    ).toBe(403);
  });

  it("preflight OPTIONS → 204 with methods, headers and max-age", async () => {
    const h = await startEngine({
      cors: {
        origin: "https://app.example",
        methods: ["GET", "POST"],
        maxAge: 600,
        exposedHeaders: "X-A",
      },
    });
    const res = await fetch(h.url("transport=polling"), {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("access-control-expose-headers")).toBe("X-A");
    // A refused origin's preflight: engine.io's answer, 204 without any CORS header (the
    // browser then refuses the real request itself); the real request gets the 403.
    const errors: unknown[] = [];
    h.engine.on("connection_error", (err) => errors.push(err));
    const refused = await fetch(h.url("transport=polling"), {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(refused.status).toBe(204);
    expect(await refused.text()).toBe("");
    expect([...refused.headers.keys()].filter((k) => k.startsWith("access-control-"))).toEqual([]);
    expect(errors).toEqual([]);
    const real = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://evil.example" },
    });
    expect(real.status).toBe(403);
    expect(errors).toHaveLength(1);
  });

  it("cors: true lets every origin in with *", async () => {
    const h = await startEngine({ cors: true });
    const res = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://any.example" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("without cors, no CORS headers and no origin check", async () => {
    const h = await startEngine();
    const res = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://any.example" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
