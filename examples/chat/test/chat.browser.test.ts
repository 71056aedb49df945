import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServer } from "../../../test/support/server-process.js";
import {
  CHAT_SERVER,
  chromiumAvailable,
  launchBrowser,
  members,
  messageTexts,
  openUser,
  screenshot,
  sendMessage,
  type User,
  waitForMessage,
} from "./support/browser.js";

const canRun = chromiumAvailable();

describe.skipIf(!canRun)("chat in Chromium", () => {
  let browser: Browser;
  let server: ServerProcess;
  const users: User[] = [];

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchBrowser(),
      startServer(CHAT_SERVER, { CHAT_MESSAGE_BURST: "5", CHAT_MESSAGES_PER_SECOND: "1" }),
    ]);
  });

  afterEach(async () => {
    for (const user of users.splice(0)) {
      await user.context.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  async function user(nick: string, options?: Parameters<typeof openUser>[3]): Promise<User> {
    const u = await openUser(browser, server.url, nick, options);
    users.push(u);
    return u;
  }

  it("serves the page as UTF-8 HTML with a policy that forbids inline scripts", async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("lets two users in one room exchange messages, with presence and typing", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    await alice.page.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
    expect(await members(alice.page)).toEqual(["alice", "bob"]);

    // Typing indicator: bob types, alice sees it; bob sends, it goes away.
    await bob.page.fill("#message", "hi al");
    await bob.page.type("#message", "i");
    await alice.page.waitForFunction(
      () => document.querySelector("#typing")?.textContent === "bob is typing…",
    );
    await bob.page.press("#message", "Enter");
    await waitForMessage(alice.page, "bob", "hi ali");
    await alice.page.waitForFunction(() => document.querySelector("#typing")?.textContent === "");

    await sendMessage(alice.page, "hello bob");
    await waitForMessage(bob.page, "alice", "hello bob");
    // The sender's own copy is one item, marked delivered once the server acknowledged it.
    await alice.page.waitForSelector(
      '#messages .message[data-status="delivered"] >> text=hello bob',
    );
    expect((await messageTexts(alice.page)).slice(-2)).toEqual(["hi ali", "hello bob"]);
    expect((await messageTexts(bob.page)).slice(-2)).toEqual(["hi ali", "hello bob"]);
    await screenshot(alice.page, "two-users-alice");

    // Presence: bob leaves, alice's list updates.
    await bob.context.close();
    await alice.page.waitForFunction(() => document.querySelectorAll("#members li").length === 1);
    expect(await members(alice.page)).toEqual(["alice"]);
    expect(alice.errors).toEqual([]);
  });

  it("works over long-polling when WebSocket is blocked", async () => {
    const poller = await user("pat", { noWebSocket: true });
    const ws = await user("wes");
    expect(await poller.page.evaluate(() => typeof window.WebSocket)).toBe("undefined");
    expect(await poller.page.getAttribute("#status", "data-transport")).toBe("polling");
    expect(await poller.page.textContent("#status")).toBe("Connected (polling)");

    await sendMessage(poller.page, "sent over polling");
    await waitForMessage(ws.page, "pat", "sent over polling");
    await sendMessage(ws.page, "received over polling");
    await waitForMessage(poller.page, "wes", "received over polling");
    await poller.page.waitForSelector('#messages .message[data-status="delivered"]');
    await screenshot(poller.page, "polling-user");
    expect(poller.errors).toEqual([]);
  });

  it("shows a late joiner the room's history, and creates rooms on demand", async () => {
    const early = await user("early");
    await early.page.fill("#room-name", "History-Test");
    await early.page.press("#room-name", "Enter");
    await early.page.waitForFunction(
      () => document.querySelector("#room-title")?.textContent === "#history-test",
    );
    for (const text of ["one", "two", "three"]) {
      await sendMessage(early.page, text);
      await waitForMessage(early.page, "early", text);
    }
    const late = await user("late");
    // The new room is in the late joiner's list, with one person online in it.
    const entry = late.page.locator("#rooms li[data-room=history-test]");
    await entry.locator(".count", { hasText: "1" }).waitFor();
    await entry.locator("button").click();
    await late.page.waitForFunction(
      () => document.querySelector("#room-title")?.textContent === "#history-test",
    );
    await late.page.waitForFunction(
      () => document.querySelectorAll("#messages .message").length === 3,
    );
    expect(await messageTexts(late.page)).toEqual(["one", "two", "three"]);
    expect(await members(late.page)).toEqual(["early", "late"]);

    // Leaving: the room's member list on the other side follows.
    await late.page.click("#leave");
    await early.page.waitForFunction(() => document.querySelectorAll("#members li").length === 1);
  });

  it("renders a <script> message as text and runs nothing", async () => {
    const mallory = await user("mallory");
    const victim = await user("victim");
    const payload = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;
    await sendMessage(mallory.page, payload);
    await waitForMessage(victim.page, "mallory", payload);
    expect(await victim.page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBe(
      undefined,
    );
    expect(await victim.page.locator("#messages script, #messages img").count()).toBe(0);
    expect(victim.errors).toEqual([]);
  });

  it("turns a flood away with the rate-limit error", async () => {
    const flooder = await user("flooder");
    for (let i = 0; i < 15; i++) {
      await flooder.page.fill("#message", `spam ${i}`);
      await flooder.page.press("#message", "Enter");
    }
    // Wait until every one of the 15 has its answer: delivered or refused.
    await flooder.page.waitForFunction(
      () =>
        document.querySelectorAll(
          '#messages .message[data-status="failed"], #messages .message[data-status="delivered"]',
        ).length === 15,
    );
    expect(await flooder.page.textContent("#composer-error")).toMatch(/^Slow down/);
    const failed = await flooder.page.locator('#messages .message[data-status="failed"]').count();
    const delivered = await flooder.page
      .locator('#messages .message[data-status="delivered"]')
      .count();
    // The refusal is on the message itself too, where the user looks.
    expect(
      await flooder.page
        .locator('#messages .message[data-status="failed"] .state')
        .first()
        .textContent(),
    ).toContain("Slow down");
    expect(failed).toBeGreaterThan(0);
    // The burst (5) went through; a token or two may have refilled while typing.
    expect(delivered).toBeGreaterThanOrEqual(5);
    expect(failed + delivered).toBe(15);
  });

  it("explains invalid input before sending it", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.fill("#nick", "   ");
      await page.click("#login-form button[type=submit]");
      expect(await page.textContent("#login-error")).toBe("Please choose a nickname.");
      expect(await page.isVisible("#app")).toBe(false);
    } finally {
      await page.context().close();
    }
    const writer = await user("writer");
    await writer.page.fill("#message", "x".repeat(501));
    await writer.page.press("#message", "Enter");
    expect(await writer.page.textContent("#composer-error")).toContain("at most 500 characters");
    await writer.page.fill("#room-name", "no spaces allowed");
    await writer.page.press("#room-name", "Enter");
    expect(await writer.page.textContent("#room-error")).toContain("Room names use letters");
  });

  it("fits a phone-sized screen: room list in a drawer, composer in view", async () => {
    const phone = await user("phone", { viewport: { width: 375, height: 667 } });
    const composer = await phone.page.locator("#composer").boundingBox();
    expect(composer).not.toBeNull();
    expect(composer!.x + composer!.width).toBeLessThanOrEqual(375);
    expect(composer!.y + composer!.height).toBeLessThanOrEqual(667);
    // The drawer starts off-screen and slides in on demand.
    await phone.page.click("#toggle-rooms");
    await phone.page.waitForFunction(() => {
      const box = document.querySelector("#sidebar")?.getBoundingClientRect();
      return box !== undefined && box.left >= 0;
    });
    await screenshot(phone.page, "phone-drawer");
    const scrollWidth = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(375);
  });
});
