import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  chromiumAvailable as chromiumAvailableFor,
  launchChromium,
} from "../../../../test/support/chromium.js";

/** The built chat server (`npm run build` at the root, or in examples/chat). */
export const CHAT_SERVER = fileURLToPath(new URL("../../dist/server.js", import.meta.url));

/** Screenshots land here (git-ignored) as artifacts of the run. */
export const ARTIFACTS = fileURLToPath(new URL("../../../../test-results/chat/", import.meta.url));

export function chromiumAvailable(): boolean {
  return chromiumAvailableFor("the chat's browser tests");
}

export async function launchBrowser(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return launchChromium();
}

export interface User {
  nick: string;
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors, to prove nothing broke (or ran) unexpectedly. */
  errors: string[];
  /** Every console line, for failure messages. */
  log: string[];
}

export interface UserOptions {
  /** Removes window.WebSocket before any page script runs: the client must use polling. */
  noWebSocket?: boolean;
  viewport?: { width: number; height: number };
}

/** Opens the chat in a fresh context (own storage, own connection) and enters a nickname. */
export async function openUser(
  browser: Browser,
  url: string,
  nick: string,
  options: UserOptions = {},
): Promise<User> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1100, height: 750 },
  });
  if (options.noWebSocket === true) {
    await context.addInitScript(() => {
      // @ts-expect-error deleting a required global is the point: a network that blocks it
      delete window.WebSocket;
    });
  }
  const page = await context.newPage();
  // Fail a stuck wait well inside the test's own timeout, with Playwright's explanation.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  const log: string[] = [];
  page.on("pageerror", (err) => {
    errors.push(`pageerror: ${err.message}`);
    log.push(`pageerror: ${err.message}`);
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
    log.push(`${msg.type()}: ${msg.text()}`);
  });
  await page.goto(url);
  await page.fill("#nick", nick);
  await page.click("#login-form button[type=submit]");
  try {
    await page.waitForSelector('#status[data-state="connected"]');
    await page.waitForFunction(
      () => document.querySelector("#room-title")?.textContent === "#general",
    );
  } catch (err) {
    const status = await page.textContent("#status").catch(() => "?");
    const loginError = await page.textContent("#login-error").catch(() => "?");
    throw new Error(
      `${nick} did not get into #general (status "${status}", login error "${loginError}"):\n` +
        `${String(err)}\npage log:\n${log.join("\n")}`,
    );
  }
  return { nick, context, page, errors, log };
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.fill("#message", text);
  await page.press("#message", "Enter");
}

/** Waits until the room on screen shows a message from `nick` with exactly `text`. */
export async function waitForMessage(page: Page, nick: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([n, t]) =>
      [...document.querySelectorAll("#messages .message")].some(
        (item) =>
          item.querySelector(".nick")?.textContent === n &&
          item.querySelector(".text")?.textContent === t,
      ),
    [nick, text] as const,
  );
}

export async function messageTexts(page: Page): Promise<string[]> {
  return page.$$eval("#messages .message .text", (items) => items.map((i) => i.textContent ?? ""));
}

export async function members(page: Page): Promise<string[]> {
  return page.$$eval("#members li", (items) => items.map((i) => i.textContent ?? ""));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}
