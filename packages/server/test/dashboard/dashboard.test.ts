import { afterEach, describe, expect, it } from "vitest";
import { attachDashboard, type ParleyDashboard } from "../../src/dashboard/index.js";
import { Server, type Socket } from "../../src/index.js";
import { type Harness, next, startServer, until } from "../helpers.js";
import { quickBus } from "../support/quick-bus.js";

const CREDENTIAL = "correct horse battery staple";
const running: Harness[] = [];
const dashboards: ParleyDashboard[] = [];

afterEach(async () => {
  for (const d of dashboards.splice(0)) d.close();
  for (const h of running.splice(0)) await h.close();
});

async function serve(opts: Parameters<typeof startServer>[0] = {}): Promise<Harness> {
  const h = await startServer({ pingInterval: 60_000, ...opts });
  running.push(h);
  h.http.on("request", (req, res) => {
    if (req.url?.startsWith("/socket.io/")) return;
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("app 404");
  });
  return h;
}

function dashboard(h: Harness, nodeId?: string): ParleyDashboard {
  const d = attachDashboard(h.io, {
    credential: CREDENTIAL,
    path: "/dash",
    ...(nodeId ? { nodeId } : {}),
  });
  dashboards.push(d);
  return d;
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/dash/login`, {
    method: "POST",
    body: new URLSearchParams({ credential: CREDENTIAL }),
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  expect(cookie).toMatch(/Path=\/dash/);
  return cookie.split(";")[0] as string;
}

const bearer = { authorization: `Bearer ${CREDENTIAL}` };

describe("attachDashboard: setup", () => {
  it("refuses to start without a credential, with a short one, or before the server is attached", async () => {
    const h = await serve();
    expect(() => attachDashboard(h.io, {} as never)).toThrow(
      /credential of at least 12 characters is required/,
    );
    expect(() => attachDashboard(h.io, { credential: "" })).toThrow(/no default password/);
    expect(() => attachDashboard(h.io, { credential: "short" })).toThrow(/at least 12/);
    const detached = new Server();
    expect(() => attachDashboard(detached, { credential: CREDENTIAL })).toThrow(/not attached/);
    await detached.close();
  });
});

describe("attachDashboard over HTTP", () => {
  it("asks for the credential, then shows stats; a POST needs the CSRF token or the bearer", async () => {
    const h = await serve();
    dashboard(h);
    h.io.on("connection", (s: Socket) => s.join("lobby"));
    const c = h.client("/", { transports: ["websocket"] });
    await next(c, "connect");

    const page = await fetch(`${h.url}/dash/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(await page.text()).toContain('action="/dash/login"');
    const anonymous = await fetch(`${h.url}/dash/api/stats`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "UNAUTHORIZED" });

    const wrong = await fetch(`${h.url}/dash/login`, {
      method: "POST",
      body: new URLSearchParams({ credential: "guess guess guess" }),
      redirect: "manual",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBe(null);
    expect(await wrong.text()).toContain("Wrong credential.");

    const cookie = await login(h.url);
    const html = await (await fetch(`${h.url}/dash/`, { headers: { cookie } })).text();
    const csrf = /name="parley-csrf" content="([^"]+)"/.exec(html)?.[1];
    expect(csrf).toBeDefined();
    const stats = (await (
      await fetch(`${h.url}/dash/api/stats`, { headers: { cookie } })
    ).json()) as {
      nodes: {
        sockets: { id: string; rooms: string[]; transport: string }[];
        namespaces: unknown[];
      }[];
    };
    expect(stats.nodes).toHaveLength(1);
    const [row] = stats.nodes[0]?.sockets ?? [];
    expect(row).toMatchObject({ id: c.id, rooms: ["lobby"], transport: "websocket" });
    expect(stats.nodes[0]?.namespaces).toEqual([
      { name: "/", sockets: 1, rooms: [{ name: "lobby", size: 1 }] },
    ]);

    const body = JSON.stringify({ nsp: "/", id: c.id });
    // The cookie alone (what a forged cross-site request carries) is refused.
    const forged = await fetch(`${h.url}/dash/api/disconnect`, {
      method: "POST",
      headers: { cookie, "content-type": "text/plain" },
      body,
    });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ code: "CSRF" });
    const crossOrigin = await fetch(`${h.url}/dash/api/disconnect`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": "application/json",
        "x-parley-csrf": csrf as string,
        origin: "http://evil.example",
      },
      body,
    });
    expect(crossOrigin.status).toBe(403);
    expect(c.connected).toBe(true);

    const bad = await fetch(`${h.url}/dash/api/disconnect`, {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "BAD_REQUEST" });

    const gone = next(c, "disconnect");
    const ok = await fetch(`${h.url}/dash/api/disconnect`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", "x-parley-csrf": csrf as string },
      body,
    });
    expect(ok.status).toBe(200);
    expect(await gone).toEqual(["io server disconnect", undefined]);

    // The app keeps its other routes; GET on a POST route is refused.
    expect(await (await fetch(`${h.url}/elsewhere`)).text()).toBe("app 404");
    expect((await fetch(`${h.url}/dash/api/disconnect`, { headers: bearer })).status).toBe(405);
  });

  it("shows every node of a cluster and disconnects a socket held by another node", async () => {
    const Bus = quickBus(1000);
    const a = await serve({ adapter: Bus });
    const b = await serve({ adapter: Bus });
    dashboard(a, "node-a");
    dashboard(b, "node-b");
    await until(() => (a.io.of("/").adapter as InstanceType<typeof Bus>).peers === 1, "peers");
    const onA = a.client("/", { transports: ["websocket"] });
    const onB = b.client("/", { transports: ["polling"] });
    await Promise.all([next(onA, "connect"), next(onB, "connect")]);
    const stats = (await (
      await fetch(`${a.url}/dash/api/stats?cluster=1`, { headers: bearer })
    ).json()) as {
      self: string;
      nodes: { node: string; sockets: { id: string; transport: string }[] }[];
      missing?: string;
    };
    expect(stats.self).toBe("node-a");
    expect(stats.missing).toBeUndefined();
    expect(stats.nodes.map((n) => n.node)).toEqual(["node-a", "node-b"]);
    expect(stats.nodes[1]?.sockets).toEqual([
      expect.objectContaining({ id: onB.id, transport: "polling" }),
    ]);

    const gone = next(onB, "disconnect");
    const res = await fetch(`${a.url}/dash/api/disconnect`, {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: JSON.stringify({ nsp: "/", id: onB.id }),
    });
    expect(res.status).toBe(200);
    expect((await gone)[0]).toBe("io server disconnect");
    expect(onA.connected).toBe(true);
  });
});
