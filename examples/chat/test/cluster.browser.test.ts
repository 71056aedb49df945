import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServer } from "../../../test/support/server-process.js";
import { RedisHistoryStore } from "../src/history/redis-store.js";
import {
  CHAT_SERVER,
  chromiumAvailable,
  launchBrowser,
  members,
  openUser,
  screenshot,
  sendMessage,
  type User,
  waitForMessage,
} from "./support/browser.js";
import { REDIS_URL, requireRedis, uniquePrefix } from "./support/redis.js";

const canRun = chromiumAvailable() && (await requireRedis("the chat's two-instance browser test"));

describe.skipIf(!canRun)("two chat instances sharing Redis", () => {
  const keyPrefix = uniquePrefix("cluster-browser");
  let browser: Browser;
  let a: ServerProcess;
  let b: ServerProcess;
  const users: User[] = [];

  beforeAll(async () => {
    const env = { REDIS_URL, CHAT_KEY_PREFIX: keyPrefix };
    [browser, a, b] = await Promise.all([
      launchBrowser(),
      startServer(CHAT_SERVER, env),
      startServer(CHAT_SERVER, env),
    ]);
  });

  afterAll(async () => {
    for (const user of users) await user.context.close();
    await browser?.close();
    await Promise.all([a?.kill(), b?.kill()]);
    const store = new RedisHistoryStore({ url: REDIS_URL, keyPrefix });
    await store.clear();
    await store.close();
  });

  it("shares rooms, history, presence, typing and live messages across ports", async () => {
    expect(a.port).not.toBe(b.port);
    const clustered = /redis-adapter/.test(a.output());
    if (!clustered) {
      console.warn(
        "\n!!! The chat runs single-node (no createAdapter in @parley/redis-adapter): " +
          "only shared history is checked.\n",
      );
    }
    const alice = await openUser(browser, a.url, "alice");
    users.push(alice);
    await alice.page.fill("#room-name", "across");
    await alice.page.press("#room-name", "Enter");
    await alice.page.waitForFunction(
      () => document.querySelector("#room-title")?.textContent === "#across",
    );
    await sendMessage(alice.page, "before bob came");
    await waitForMessage(alice.page, "alice", "before bob came");

    const bob = await openUser(browser, b.url, "bob");
    users.push(bob);
    // A room created on instance A is in the list on instance B, with its history.
    await bob.page.click("#rooms li[data-room=across] button");
    await waitForMessage(bob.page, "alice", "before bob came");
    if (!clustered) return;

    await alice.page.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
    expect(await members(alice.page)).toEqual(["alice", "bob"]);
    expect(await members(bob.page)).toEqual(["alice", "bob"]);

    await bob.page.fill("#message", "typing on B");
    await bob.page.type("#message", "!");
    await alice.page.waitForFunction(
      () => document.querySelector("#typing")?.textContent === "bob is typing…",
    );
    await bob.page.press("#message", "Enter");
    await waitForMessage(alice.page, "bob", "typing on B!");
    await sendMessage(alice.page, "hello from A");
    await waitForMessage(bob.page, "alice", "hello from A");
    await screenshot(bob.page, "cluster-bob-on-b");
  }, 60_000);
});
