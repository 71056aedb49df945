import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium unless CHROMIUM_PATH says otherwise. Never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Whether browser tests can run. A missing Chromium skips them with a loud notice, except in
 * CI, where it means a broken environment and fails.
 */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const notice = `Chromium not found at ${CHROMIUM_PATH}: ${what} cannot run`;
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n!!! SKIPPING: ${notice}. Install Debian's chromium or set CHROMIUM_PATH.\n`);
  return false;
}

/**
 * Headless Chromium with the flags this machine needs: no sandbox (root), no GPU, and no
 * background networking, whose connections the closed network would refuse.
 */
export function launchChromium(): Promise<Browser> {
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
