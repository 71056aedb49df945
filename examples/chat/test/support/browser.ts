import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Screenshots land here (git-ignored) as artifacts of the run. */
export const ARTIFACTS = fileURLToPath(new URL("../../../../test-results/chat/", import.meta.url));

/**
 * Whether the browser tests can run. A missing Chromium skips them with a loud notice, except
 * in CI, where it means a broken environment and fails.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const notice = `Chromium not found at ${CHROMIUM_PATH}: the chat's browser tests cannot run`;
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n!!! SKIPPING: ${notice}. Install Debian's chromium or set CHROMIUM_PATH.\n`);
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
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
  });
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
