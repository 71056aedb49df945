import { mkdirSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../../../../test/support/chromium.js";
import { attachDashboard, type ParleyDashboard } from "../../src/dashboard/index.js";
import type { Socket } from "../../src/index.js";
import { type Harness, next, startServer, until } from "../helpers.js";
import { quickBus } from "../support/quick-bus.js";

const ARTIFACTS = fileURLToPath(new URL("../../../../test-results/dashboard/", import.meta.url));
const CREDENTIAL = "dashboard-test-credential";
const canRun = chromiumAvailable("the dashboard's browser tests");

let browser: Browser;
let a: Harness;
let b: Harness;
let evil: HttpServer;
const dashboards: ParleyDashboard[] = [];

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

describe.skipIf(!canRun)("the dashboard in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const Bus = quickBus(1000);
    [browser, a, b] = await Promise.all([
      launchChromium(),
      startServer({ adapter: Bus, pingInterval: 60_000 }),
      startServer({ adapter: Bus, pingInterval: 60_000 }),
    ]);
    for (const [h, node] of [
      [a, "node-a"],
      [b, "node-b"],
    ] as const) {
      h.io.on("connection", (s: Socket) => {
        s.join(["lobby", `room-${node}`]);
        s.on("chat", (text: string) => s.broadcast.emit("chat", text));
      });
      dashboards.push(
        attachDashboard(h.io, {
          credential: CREDENTIAL,
          path: "/dash",
          nodeId: node,
          sampleIntervalMs: 200,
        }),
      );
    }
    await until(() => (a.io.of("/").adapter as InstanceType<typeof Bus>).peers === 1, "peers");
    // A page of another origin (another port of the same host: same site, other origin).
    evil = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://evil");
      res.writeHead(200, { "content-type": "text/html" });
      if (url.pathname !== "/form") {
        res.end("<!doctype html><title>evil</title><p>evil</p>");
        return;
      }
      // A form that posts itself to the dashboard on load, as a forged page would.
      const attr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
      res.end(
        `<!doctype html><form method="post" enctype="text/plain" action="${attr(url.searchParams.get("target") ?? "")}">` +
          `<input name="${attr(url.searchParams.get("body") ?? "")}" value=""></form>` +
          "<script>document.forms[0].submit()</script>",
      );
    });
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    for (const d of dashboards) d.close();
    await browser?.close();
    await a?.close();
    await b?.close();
    evil?.close();
  });

  it("logs in, charts both nodes, and disconnects a socket of the other node; forged POSTs fail", async () => {
    const onA = a.client("/", { transports: ["websocket"] });
    const onA2 = a.client("/", { transports: ["polling"] });
    const onB = b.client("/", { transports: ["websocket"] });
    await Promise.all([next(onA, "connect"), next(onA2, "connect"), next(onB, "connect")]);
    // Some traffic for the rate charts.
    for (let i = 0; i < 20; i++) onA.emit("chat", `hello ${i}`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    await page.goto(`${a.url}/dash/`);
    await page.fill("#credential", "not the credential");
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent("#login-error")).toBe("Wrong credential.");
    await shot(page, "login-refused");
    // The refused login's 401 is logged by the browser as a failed resource: expected.
    errors.splice(0);

    await page.fill("#credential", CREDENTIAL);
    await page.click("button[type=submit]");
    await page.waitForSelector("nav button[data-node='node-b']");
    await page.waitForSelector(`tr[data-socket-id='${onB.id}']`);
    // Let the sampler add a few points, so the charts have lines.
    await expect.poll(() => page.locator("svg polyline").count()).toBeGreaterThanOrEqual(14);
    const nodes = await page.$$eval("nav button", (bs) =>
      bs.map((x) => x.getAttribute("data-node")),
    );
    expect(nodes).toEqual(["all", "node-a", "node-b"]);
    const sockets = await page.$$eval("#sockets tbody tr", (rows) =>
      rows.map((r) => r.getAttribute("data-socket-id")),
    );
    expect(new Set(sockets)).toEqual(new Set([onA.id, onA2.id, onB.id]));
    expect(await page.textContent("[data-card='Sockets'] b")).toBe("3");
    expect(await page.textContent("[data-card='Nodes'] b")).toBe("2");
    const rooms = await page.$$eval("#rooms tbody tr", (rows) =>
      rows.map((r) => r.getAttribute("data-room")),
    );
    expect(rooms).toContain("lobby");
    expect(rooms).toContain("room-node-b");
    await shot(page, "dashboard-all-nodes");

    await page.click("nav button[data-node='node-b']");
    await expect.poll(() => page.locator("#sockets tbody tr").count()).toBe(1);
    expect(await page.textContent("[data-card='Sockets'] b")).toBe("1");
    await shot(page, "dashboard-node-b");

    // Forged requests from another origin's page, in the same browser (the session cookie is
    // sent: same site), are refused, and the socket stays.
    const attacker = await context.newPage();
    await attacker.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const target = `${a.url}/dash/api/disconnect`;
    const body = JSON.stringify({ nsp: "/", id: onB.id });
    const status = await attacker.evaluate(
      async ([url, data]) => {
        const res = await fetch(url as string, {
          method: "POST",
          mode: "no-cors",
          credentials: "include",
          headers: { "content-type": "text/plain" },
          body: data as string,
        });
        return res.type;
      },
      [target, body],
    );
    expect(status).toBe("opaque");
    // A cross-site form POST (text/plain, the kind a page may send anywhere without asking).
    const form = new URL(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/form`);
    form.searchParams.set("target", target);
    form.searchParams.set("body", body);
    await attacker.goto(form.href);
    await attacker.waitForURL(target);
    expect(await attacker.textContent("body")).toContain('"code":"CSRF"');
    await attacker.close();
    expect(onB.connected).toBe(true);

    const gone = next(onB, "disconnect");
    await page.click(`tr[data-socket-id='${onB.id}'] button`);
    expect((await gone)[0]).toBe("io server disconnect");
    await expect.poll(() => page.locator("#sockets tbody tr").count()).toBe(0);
    await page.click("nav button[data-node='all']");
    await expect.poll(() => page.locator("#sockets tbody tr").count()).toBe(2);
    await shot(page, "dashboard-after-disconnect");
    expect(onA.connected && onA2.connected).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
