import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SEED_SERVER = fileURLToPath(new URL("../server.js", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("../../../test-results/seed/", import.meta.url));

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const notice = `Chromium not found at ${CHROMIUM_PATH}: the seed page's browser tests cannot run`;
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n!!! SKIPPING: ${notice}. Install Debian's chromium or set CHROMIUM_PATH.\n`);
  return false;
}

/** Starts the tutorial's server.js as it is, on a free port, and reads the port it prints. */
function startSeed(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SEED_SERVER], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`seed server did not start:\n${output}`));
    }, 15_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const port = /localhost:(\d+)/.exec(output)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${port}/` });
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`seed server exited with ${code}:\n${output}`));
    });
  });
}

interface Visitor {
  page: Page;
  /** Every console line the page logged: the seed page logs each answer. */
  logs: string[];
}

const canRun = chromiumAvailable();

describe.skipIf(!canRun)("the seed page in Chromium", () => {
  let browser: Browser;
  let server: { child: ChildProcess; url: string };
  const open: Visitor[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [browser, server] = await Promise.all([
      chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
      startSeed(),
    ]);
  });

  afterEach(async () => {
    for (const visitor of open.splice(0)) await visitor.page.context().close();
  });

  afterAll(async () => {
    await browser?.close();
    if (server !== undefined && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once("exit", resolve));
      server.child.kill("SIGKILL");
      await exited;
    }
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
    await one.page.screenshot({ path: `${ARTIFACTS}websocket.png` });
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
    await two.page.screenshot({ path: `${ARTIFACTS}polling.png` });
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
});
