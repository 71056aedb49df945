import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The README's runnable examples, run as a user would: `node packages/server/examples/….mjs`
// against the built packages (`npm run build` first, as CI's `npm ci` does).
const run = promisify(execFile);
const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

async function output(name: string): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [example(name)], { timeout: 15_000 });
    return stdout;
  } catch (err) {
    throw new Error(`${name} failed (is the build current? \`npm run build\`): ${String(err)}`);
  }
}

describe("runnable examples", () => {
  it("validated-events.mjs: a good message is handled, bad ones are refused", async () => {
    const out = await output("validated-events.mjs");
    expect(out).toContain("server: lobby <- hello");
    expect(out).toContain("client: good -> { ok: true }");
    expect(out).toMatch(/client: bad {2}-> \{"error":\{"code":"INVALID_PAYLOAD","event":"chat"/);
    expect(out).toMatch(/server: INVALID_PAYLOAD invalid payload for "chat": text: /);
  });

  it("presence.mjs: two tabs count once; leaves when the last one goes", async () => {
    const out = await output("presence.mjs");
    expect(out.split("\n").filter((l) => l.length > 0)).toEqual([
      "join  lobby ada",
      "join  lobby bob",
      "lobby: [ 'ada', 'bob' ]",
      "lobby: [ 'ada', 'bob' ]",
      "leave lobby ada (left)",
      "leave lobby bob (left)",
      "lobby: []",
    ]);
  });
});
