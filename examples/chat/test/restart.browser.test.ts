import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServer } from "../../../test/support/server-process.js";
import {
  CHAT_SERVER,
  chromiumAvailable,
  launchBrowser,
  openUser,
  screenshot,
  type User,
  waitForMessage,
} from "./support/browser.js";

const canRun = chromiumAvailable();

describe.skipIf(!canRun)("chat when the connection drops", () => {
  let browser: Browser;
  let server: ServerProcess | undefined;
  const users: User[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const user of users) await user.context.close();
    await browser?.close();
    await server?.kill();
  });

  it("queues a message typed while the server is down and delivers it after reconnecting", async () => {
    server = await startServer(CHAT_SERVER);
    const { port, url } = server;
    const alice = await openUser(browser, url, "alice");
    users.push(alice);

    await server.kill();
    await alice.page.waitForFunction(() => {
      const state = document.querySelector<HTMLElement>("#status")?.dataset.state;
      return state === "reconnecting" || state === "offline";
    });

    // Typed and sent while there is no server: it waits in the outbox, visibly queued.
    await alice.page.fill("#message", "written while the server was down");
    await alice.page.press("#message", "Enter");
    await alice.page.waitForSelector('#messages .message[data-status="queued"]');
    await screenshot(alice.page, "restart-queued");

    server = await startServer(CHAT_SERVER, { PORT: String(port) });
    await alice.page.waitForSelector('#status[data-state="connected"]', { timeout: 20_000 });
    await alice.page.waitForSelector('#messages .message[data-status="delivered"]', {
      timeout: 20_000,
    });
    await screenshot(alice.page, "restart-delivered");
    const items = await alice.page.$$eval("#messages .message", (list) =>
      list.map(
        (li) => `${li.querySelector(".text")?.textContent}|${(li as HTMLElement).dataset.status}`,
      ),
    );
    expect(items).toEqual(["written while the server was down|delivered"]);
    expect(alice.errors.filter((e) => e.startsWith("pageerror"))).toEqual([]);

    // The new server has it: someone arriving now finds it in the history.
    const bob = await openUser(browser, url, "bob");
    users.push(bob);
    await waitForMessage(bob.page, "alice", "written while the server was down");
  }, 60_000);

  it("shows Offline when the browser loses its network, and sends the queue when it is back", async () => {
    server ??= await startServer(CHAT_SERVER);
    const carol = await openUser(browser, server.url, "carol");
    users.push(carol);
    await carol.context.setOffline(true);
    await carol.page.waitForSelector('#status[data-state="offline"]');
    await carol.page.fill("#message", "typed on a train");
    await carol.page.press("#message", "Enter");
    await carol.page.waitForSelector('#messages .message[data-status="queued"]');
    await screenshot(carol.page, "offline-queued");
    await carol.context.setOffline(false);
    await carol.page.waitForSelector('#status[data-state="connected"]', { timeout: 20_000 });
    await carol.page.waitForSelector(
      '#messages .message[data-status="delivered"] >> text=typed on a train',
      {
        timeout: 20_000,
      },
    );
  }, 60_000);
});
