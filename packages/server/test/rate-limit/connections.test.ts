import { afterEach, describe, expect, it } from "vitest";
import { pollingHandshake, refusedWith } from "../../../../test/support/handshake-answers.js";
import { Engine } from "../../src/engine/index.js";
import { type Harness, next, startServer } from "../helpers.js";

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NO_REFILL = 0.001;

// The handshake rate and the sessions-per-address cap are asserted on both fronts by the front
// conformance suite (test/support/front-conformance/limits.ts); here what only the Node tests reach.
describe("per-address handshake rate", () => {
  it("requests naming an existing session are not handshakes: a limited address keeps polling", async () => {
    h = await startServer({ rateLimit: { connections: { rate: NO_REFILL, burst: 1 } } });
    h.io.on("connection", (s) => s.on("echo", (v: number, ack: (v: number) => void) => ack(v)));
    const client = h.client("/", { transports: ["polling"] });
    await next(client, "connect");
    let answered = 0;
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => client.emit("echo", i, () => resolve()));
      answered++;
    }
    expect(answered).toBe(5);
    refusedWith(await pollingHandshake(h.port), "CONNECTION_RATE_LIMITED");
  });
});

describe("trustProxy", () => {
  it("off (default): X-Forwarded-For is ignored, every request counts as the TCP peer", async () => {
    h = await startServer({ rateLimit: { connections: { maxPerAddress: 1 } } });
    expect(
      (await pollingHandshake(h.port, { headers: { "x-forwarded-for": "10.0.0.1" } })).status,
    ).toBe(200);
    refusedWith(
      await pollingHandshake(h.port, { headers: { "x-forwarded-for": "10.0.0.2" } }),
      "TOO_MANY_CONNECTIONS",
    );
  });

  it("true: the address the proxy appended (rightmost) counts; what the client wrote before it does not", async () => {
    h = await startServer({ rateLimit: { connections: { maxPerAddress: 1, trustProxy: true } } });
    const as = (xff: string) =>
      pollingHandshake(h?.port as number, { headers: { "x-forwarded-for": xff } });
    expect((await as("10.0.0.1")).status).toBe(200);
    refusedWith(await as("10.0.0.1"), "TOO_MANY_CONNECTIONS");
    refusedWith(await as("203.0.113.9, 10.0.0.1"), "TOO_MANY_CONNECTIONS");
    expect((await as("10.0.0.1, 10.0.0.2")).status).toBe(200);
    // Without the header: the TCP peer.
    expect((await pollingHandshake(h.port)).status).toBe(200);
  });

  it("bad values throw when the engine is made", () => {
    expect(() => new Engine({ rateLimit: { connections: { trustProxy: -1 } } })).toThrow(
      /trustProxy/,
    );
    expect(() => new Engine({ rateLimit: { connections: { maxPerAddress: 0 } } })).toThrow(
      /maxPerAddress/,
    );
    expect(() => new Engine({ rateLimit: { connections: { rate: 0 } } })).toThrow(
      /rateLimit\.connections\.rate/,
    );
  });
});
