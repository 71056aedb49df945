import { mkdir } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./chromium.js";
import type { ServerProcess } from "./server-process.js";

// The seed page's visits in Chromium (examples/seed), shared by every server that serves it:
// Node (examples/seed/test) and Bun (test/bun). Call inside a describe block.

interface Visitor {
  page: Page;
  /** Every console line the page logged: the seed page logs each answer. */
  logs: string[];
}

/**
 * @param start starts the seed server to visit
 * @param artifacts directory (ending in "/") for the screenshots
 */
export function seedPageTests(start: () => Promise<ServerProcess>, artifacts: string): void {
  let browser: Browser;
  let server: ServerProcess;
  const open: Visitor[] = [];

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    [browser, server] = await Promise.all([launchChromium(), start()]);
  });

  afterEach(async () => {
    for (const visitor of open.splice(0)) await visitor.page.context().close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  async function visit(options: { noWebSocket: boolean }): Promise<Visitor> {
    const context = await browser.newContext();
    if (options.noWebSocket) {
      await context.addInitScript(() => {
        // @ts-expect-error removing a required global is the point: a network that blocks it
        delete window.WebSocket;
      });
    }
    const page = await context.newPage();
    const visitor: Visitor = { page, logs: [] };
    open.push(visitor);
    page.on("console", (msg) => visitor.logs.push(msg.text()));
    page.on("pageerror", (err) => visitor.logs.push(`pageerror: ${err.message}`));
    page.setDefaultTimeout(10_000);
    await page.goto(server.url);
    // Connected means the page's socket says so; the tutorial page has no status to read.
    try {
      await page.waitForFunction(() => {
        const s = (window as { socket?: { connected?: boolean } }).socket;
        return s?.connected === true;
      });
    } catch (err) {
      throw new Error(
        `the seed page did not connect: ${String(err)}\npage log:\n${visitor.logs.join("\n")}`,
      );
    }
    return visitor;
  }

  /** The transport the page's socket uses now ("websocket" or "polling"). */
  function transport(page: Page): Promise<string | undefined> {
    return page.evaluate(() => {
      const s = (window as { socket?: { io?: { engine?: { transport?: { name?: string } } } } })
        .socket;
      return s?.io?.engine?.transport?.name;
    });
  }

  async function askAndExpectBoth(asker: Visitor, other: Visitor, question: string) {
    await asker.page.fill("#info", question);
    await asker.page.click("#btn");
    const expected = `回答：${question}`;
    for (const visitor of [asker, other]) {
      await visitor.page.waitForFunction(
        (text) =>
          [...document.querySelectorAll("#answers li")].some((li) => li.textContent === text),
        expected,
      );
      await expect.poll(() => visitor.logs).toContain(expected);
    }
  }

  it("is served as UTF-8 HTML", async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toContain("提问");
  });

  it("answers both visitors over WebSocket", async () => {
    const one = await visit({ noWebSocket: false });
    const two = await visit({ noWebSocket: false });
    await expect.poll(() => transport(one.page)).toBe("websocket");
    await expect.poll(() => transport(two.page)).toBe("websocket");
    await askAndExpectBoth(one, two, "你好，世界");
    await one.page.screenshot({ path: `${artifacts}websocket.png` });
  });

  it("answers both visitors over long-polling when WebSocket is missing", async () => {
    const one = await visit({ noWebSocket: true });
    const two = await visit({ noWebSocket: true });
    expect(await one.page.evaluate(() => typeof window.WebSocket)).toBe("undefined");
    expect(await transport(one.page)).toBe("polling");
    expect(await transport(two.page)).toBe("polling");
    await askAndExpectBoth(two, one, "轮询也行吗？");
    // Still polling afterwards: there was nothing to upgrade to.
    expect(await transport(one.page)).toBe("polling");
    await two.page.screenshot({ path: `${artifacts}polling.png` });
  });

  it("answers across transports: one visitor on WebSocket, one on polling", async () => {
    const ws = await visit({ noWebSocket: false });
    const polling = await visit({ noWebSocket: true });
    await expect.poll(() => transport(ws.page)).toBe("websocket");
    expect(await transport(polling.page)).toBe("polling");
    await askAndExpectBoth(ws, polling, "from websocket");
    await askAndExpectBoth(polling, ws, "from polling <b>not bold</b>");
    expect(await ws.page.locator("#answers b").count()).toBe(0);
  });
}
